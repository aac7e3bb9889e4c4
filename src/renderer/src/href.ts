/** `href('connections')` -> `#/connections`; `href('jobs', { task: 'x' })` -> `#/jobs?task=x`. No DOM: pure text. */
export function href(path: string, params?: Record<string, string | null | undefined>): string {
  // A param without a value is left out, and no params at all leave no bare "?": callers pass their scope as it is.
  const set = Object.entries(params ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string');
  return `#/${path}${set.length ? `?${new URLSearchParams(set)}` : ''}`;
}

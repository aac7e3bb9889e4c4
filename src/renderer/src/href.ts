/** `href('connections')` -> `#/connections`; `href('jobs', { task: 'x' })` -> `#/jobs?task=x`. No DOM: pure text. */
export function href(path: string, params?: Record<string, string>): string {
  const query = params ? `?${new URLSearchParams(params)}` : '';
  return `#/${path}${query}`;
}

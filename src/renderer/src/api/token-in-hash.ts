/**
 * The web-mode access token in a URL fragment, and the fragment without it. The console prints `#token=…`; a link
 * to a view carries it as one of the view's parameters (`#/workers?token=…`, `#/failures?window=1h&token=…`),
 * which is how people write it by hand. Every `token` parameter leaves the address; the last one with a value is
 * the token. Null when the fragment has none (a `token=` inside another parameter's value is not one).
 */
export function takeToken(hash: string): { token: string; rest: string } | null {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  const { view, joiner, params } = splitFragment(body);
  const isToken = (p: string) => p.startsWith('token=');
  const token = params
    .filter(isToken)
    .map((p) => p.slice('token='.length))
    .filter((value) => value !== '')
    .at(-1);
  if (token === undefined) return null;
  const kept = params.filter((p) => !isToken(p));
  const tail = kept.length ? (view ? joiner : '') + kept.join('&') : '';
  return { token: decoded(token), rest: view || tail ? `#${view}${tail}` : '' };
}

/**
 * `/view?a=1&b=2` -> the view and its parameters; `a=1&b=2` (the printed `#token=…`) -> parameters alone; `/view&a=1`
 * (parameters after `&`, as some links have them) -> the view, then its parameters, joined back with `&`.
 */
function splitFragment(body: string): { view: string; joiner: '?' | '&'; params: string[] } {
  const question = body.indexOf('?');
  if (question >= 0) return { view: body.slice(0, question), joiner: '?', params: split(body.slice(question + 1)) };
  const [first, ...rest] = body.split('&');
  return first.includes('=') ? { view: '', joiner: '&', params: split(body) } : { view: first, joiner: '&', params: rest };
}

const split = (query: string): string[] => query.split('&').filter((p) => p !== '');

/** A malformed escape (`%E0%A4`) is kept as typed rather than failing the console's start. */
function decoded(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * The web-mode access token in a URL fragment, and the fragment without it. The console prints `#token=…`; a link
 * to a view carries it as one of the view's parameters (`#/workers?token=…`, `#/failures?window=1h&token=…`),
 * which is how people write it by hand. Null when the fragment has no token.
 */
export function takeToken(hash: string): { token: string; rest: string } | null {
  const match = /(^#|[?&])token=([^&]*)/.exec(hash);
  if (!match || match[2] === '') return null;
  const [whole, separator, raw] = match;
  const before = hash.slice(0, match.index);
  const after = hash.slice(match.index + whole.length);
  // After `#` or `?` the next parameter takes the token's place (`?token=a&w=1` -> `?w=1`); after `&` it simply goes.
  const rest = separator !== '&' && after.startsWith('&') ? before + separator + after.slice(1) : before + after;
  return { token: decoded(raw), rest };
}

/** A malformed escape (`%E0%A4`) is kept as typed rather than failing the console's start. */
function decoded(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * What the desktop app does with a link the page asks to open outside it (Electron's security checklist: never
 * `shell.openExternal` untrusted input). Pure, without Electron, so it is tested under Node.
 * - `open`: https to a host on the allow-list (documentation Jobdeck itself links to);
 * - `ask`: any other http(s) link (an operator's own URL in a job payload, say): opened only if the operator agrees;
 * - `refuse`: everything else (file:, javascript:, custom schemes that start programs, credentials in the URL).
 */
export const ALLOWED_HOSTS: readonly string[] = [
  'github.com',
  'worker.graphile.org',
  'www.postgresql.org',
  'www.electronjs.org',
  'opentelemetry.io',
];

export type LinkDecision = { action: 'open' | 'ask'; url: string } | { action: 'refuse'; reason: string };

export function linkDecision(raw: string): LinkDecision {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { action: 'refuse', reason: 'not a URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { action: 'refuse', reason: `${url.protocol} links are not opened` };
  if (url.username || url.password) return { action: 'refuse', reason: 'a link with credentials in it is not opened' };
  if (url.protocol === 'https:' && ALLOWED_HOSTS.includes(url.hostname)) return { action: 'open', url: url.href };
  return { action: 'ask', url: url.href };
}

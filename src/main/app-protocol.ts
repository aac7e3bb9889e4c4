import { pathToFileURL } from 'node:url';
import { net, protocol } from 'electron';
import { APP_SCHEME, appFileFor } from './app-origin.ts';
import { CSP } from './window.ts';

/** Before `app.whenReady()`: `app://` is a standard, secure scheme (its own origin, fetch, CSP 'self'). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** After ready: serves `app://jobdeck/...` from the app's own folders only (app-origin.ts); anything else is a 404. */
export function serveAppScheme(appRoot: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appFileFor(request.url, appRoot);
    if (!file) return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    const response = await net.fetch(pathToFileURL(file).href);
    // The pages carry the CSP in a meta tag too; the header covers any response that would not.
    const headers = new Headers(response.headers);
    headers.set('content-security-policy', CSP);
    headers.set('x-content-type-options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
}

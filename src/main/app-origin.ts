import path from 'node:path';

/**
 * The console's pages are served from `app://jobdeck/` rather than `file://`: a file URL's origin is every file
 * on the disk (a page could fetch any of them, and any local HTML file opened in the window would pass a
 * `file://` sender check), while this origin is ours alone and maps only to the folders listed here.
 * Pure functions: the Electron side (app-protocol.ts) only wires them.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'jobdeck';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** The URL path prefixes the protocol serves, and the folder each maps to (relative to the app's root). */
export const APP_FOLDERS: Readonly<Record<string, string>> = {
  '/': 'out/renderer',
  '/startup-failure/': 'resources/startup-failure',
};

/**
 * The file an `app://jobdeck/...` request may read, or null: another host, a path that leaves its folder
 * (`..`, encoded or not), a NUL byte or a malformed escape. `/` is the console's index.html.
 */
export function appFileFor(rawUrl: string, appRoot: string): string | null {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  const prefix = Object.keys(APP_FOLDERS)
    .filter((p) => pathname.startsWith(p))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix === undefined) return null;
  const folder = path.resolve(appRoot, APP_FOLDERS[prefix]);
  const rest = pathname.slice(prefix.length) || 'index.html';
  const file = path.resolve(folder, rest.endsWith('/') ? `${rest}index.html` : rest);
  return file.startsWith(folder + path.sep) ? file : null;
}

/**
 * Whether a frame at `frameUrl` may call the engine: our own origin exactly (not a prefix: `app://jobdeck.evil`
 * is another host), or the dev server's origin exactly in `npm run dev`.
 */
export function isTrustedOrigin(frameUrl: string, devUrl: string | undefined): boolean {
  let origin: string;
  try {
    const url = new URL(frameUrl);
    // WHATWG URL gives "null" as the origin of a non-special scheme: compare scheme and host instead.
    origin = url.protocol === `${APP_SCHEME}:` ? `${url.protocol}//${url.host}` : url.origin;
  } catch {
    return false;
  }
  if (origin === APP_ORIGIN) return true;
  if (!devUrl) return false;
  try {
    return origin === new URL(devUrl).origin;
  } catch {
    return false;
  }
}

import path from 'node:path';
import { BrowserWindow, dialog, session, shell, type BrowserWindowConstructorOptions } from 'electron';
import { linkDecision } from './link-policy.ts';
import { APP_ORIGIN } from './app-origin.ts';

export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'";

/** Sets the CSP on every response the renderer loads, in case a page ever lacks the meta tag. */
export function setupContentSecurityPolicy(): void {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
}

/** Every window's page: isolated, sandboxed, no Node; `preload` is the only way it reaches main. */
export function hardenedWebPreferences(preload?: string): BrowserWindowConstructorOptions['webPreferences'] {
  return {
    ...(preload ? { preload } : {}),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    webSecurity: true,
    spellcheck: false,
  };
}

/**
 * No navigation away from the page, and no new windows: `onOpen` sees each request (a link with
 * target="_blank", window.open) and decides what to do instead; the request itself is always denied.
 */
export function lockNavigation(window: BrowserWindow, onOpen: (url: string) => void): void {
  window.webContents.setWindowOpenHandler(({ url }) => {
    onOpen(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (url !== window.webContents.getURL()) event.preventDefault();
  });
}

/** The console window: hardened, opening external http(s) links in the system browser. */
export function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1440,
    height: 920,
    minWidth: 960,
    minHeight: 600,
    title: 'Jobdeck',
    backgroundColor: '#0f1115',
    show: false,
    webPreferences: hardenedWebPreferences(path.join(import.meta.dirname, '../preload/index.cjs')),
  });
  window.once('ready-to-show', () => window.show());
  lockNavigation(window, (url) => void openExternalLink(window, url));
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  if (devUrl) void window.loadURL(devUrl);
  else void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}

/** Opens a link in the system browser as the link policy says: at once, after the operator agrees, or not at all. */
async function openExternalLink(window: BrowserWindow, raw: string): Promise<void> {
  const decision = linkDecision(raw);
  if (decision.action === 'refuse') return;
  if (decision.action === 'ask') {
    const { response } = await dialog.showMessageBox(window, {
      type: 'question',
      buttons: ['Open in browser', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: 'Open this link in your browser?',
      detail: decision.url,
    });
    if (response !== 0) return;
  }
  await shell.openExternal(decision.url);
}

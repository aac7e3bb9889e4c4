import { BrowserWindow, shell } from 'electron';
import { startupFailureAction, startupFailureQuery, type StartupFailure } from './startup-failure.ts';
import { hardenedWebPreferences, lockNavigation } from './window.ts';
import { APP_ORIGIN } from './app-origin.ts';

/**
 * A static page of the app (resources/startup-failure, served as app://jobdeck/startup-failure/), with the
 * console's CSP in its meta tag and no preload: it reads its text from the URL query and shows it as text; its two
 * buttons are links that main intercepts (startupFailureAction).
 */
const PAGE = `${APP_ORIGIN}/startup-failure/index.html`;

/** Shows what failed at start-up and what to do; "Show in folder" reveals `failure.reveal`, "Quit" calls `quit`. */
export function showStartupFailureWindow(failure: StartupFailure, quit: () => void): BrowserWindow {
  const window = new BrowserWindow({
    width: 760,
    height: 560,
    minWidth: 520,
    minHeight: 360,
    title: 'Jobdeck could not start',
    backgroundColor: '#0f1115',
    show: false,
    webPreferences: hardenedWebPreferences(),
  });
  window.once('ready-to-show', () => window.show());
  lockNavigation(window, (url) => {
    const action = startupFailureAction(url, window.webContents.getURL());
    if (action === 'reveal' && failure.reveal) shell.showItemInFolder(failure.reveal);
    if (action === 'quit') quit();
  });
  void window.loadURL(`${PAGE}?${new URLSearchParams(startupFailureQuery(failure)).toString()}`);
  return window;
}

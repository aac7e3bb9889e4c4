import path from 'node:path';
import { app, BrowserWindow, dialog, Notification } from 'electron';
import { createEngine, type Engine } from '../engine/index.ts';
import { setupIpcTransport } from './ipc-setup.ts';
import { createMainWindow, setupContentSecurityPolicy } from './window.ts';
import { safeStorageSecrets } from './secrets.ts';
import { electronNativeBinding } from './native-binding.ts';
import { setupMenu } from './menu.ts';
import { denyAllPermissions } from './permissions.ts';
import { setupFailureNotifications } from './notifications.ts';
import { setupAlertNotifications } from './alert-notifications.ts';
import { describeStartupFailure, type StartupPhase } from './startup-failure.ts';
import { showStartupFailureWindow } from './startup-failure-window.ts';
import { registerAppScheme, serveAppScheme } from './app-protocol.ts';

/** The app's root: out/main/index.js is two folders down (in a package, inside app.asar). */
const APP_ROOT = path.resolve(import.meta.dirname, '../..');

/** Hosts the engine and stays thin: lifecycle, window, IPC, keychain, dialogs. */
interface Desktop {
  dataDir: string;
  /** Null before it is created, when creating it failed, and once quitting has taken it. */
  engine: Engine | null;
  quitting: boolean;
}

function main(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  registerAppScheme();
  const desktop: Desktop = { dataDir: process.env.JOBDECK_DATA_DIR ?? app.getPath('userData'), engine: null, quitting: false };
  app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus());
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (event) => stopBeforeQuit(desktop, event));
  app
    .whenReady()
    .then(() => {
      serveAppScheme(APP_ROOT);
      startDesktop(desktop);
    })
    .catch((error: unknown) => showStartupFailure(desktop, error, 'create'));
}

/** Creates the engine and the window, then starts the engine; a failure opens a page that says what to do. */
function startDesktop(desktop: Desktop): void {
  setupContentSecurityPolicy();
  denyAllPermissions();
  setupMenu(() => app.quit());
  let engine: Engine;
  try {
    engine = desktop.engine = createEngine({
      dataDir: desktop.dataDir,
      mode: 'electron',
      nativeBinding: electronNativeBinding(APP_ROOT),
      secrets: safeStorageSecrets,
      // A packaged app has the RunAsNode fuse off (electron-builder.json): it cannot start a Node child process,
      // so the demo runs with the console's own runner only.
      ...(app.isPackaged ? { demoWorker: false as const } : {}),
      pickDirectory: async () => {
        const result = await dialog.showOpenDialog({ title: 'Choose a task directory', properties: ['openDirectory'] });
        return result.canceled ? null : (result.filePaths[0] ?? null);
      },
    });
    setupIpcTransport(engine);
    setupFailureNotifications(engine);
    setupAlertNotifications(engine);
    createMainWindow();
  } catch (error) {
    showStartupFailure(desktop, error, 'create');
    return;
  }
  // The window opens at once and shows progress; a failed connection is shown there (and retried), so only a
  // failure the console cannot show replaces it.
  engine
    .start({
      databaseUrl: process.env.JOBDECK_DATABASE_URL,
      demo: !process.env.JOBDECK_DATABASE_URL,
      // Review saved failure history with no database at all (as web mode's --offline).
      offline: process.env.JOBDECK_OFFLINE === '1',
    })
    .catch((error: unknown) => {
      if (engine.status().connection.error) console.error(`jobdeck: start failed: ${String(error)}`);
      else showStartupFailure(desktop, error, 'start');
    });
}

function showStartupFailure(desktop: Desktop, error: unknown, phase: StartupPhase): void {
  console.error('jobdeck: start-up failed:', error);
  const failure = describeStartupFailure(error, { dataDir: desktop.dataDir, phase });
  try {
    const shown = showStartupFailureWindow(failure, () => app.quit());
    for (const window of BrowserWindow.getAllWindows()) if (window !== shown) window.destroy();
  } catch (windowError) {
    // Not even a window: the native box needs no page.
    console.error(windowError);
    dialog.showErrorBox(failure.title, [failure.summary, ...failure.details].join('\n'));
    app.quit();
  }
}

/** Quit: stop taking jobs, wait (bounded) for running ones, abort the rest so they are retried. */
function stopBeforeQuit(desktop: Desktop, event: Electron.Event): void {
  const engine = desktop.engine;
  if (desktop.quitting || !engine) return;
  event.preventDefault();
  desktop.quitting = true;
  desktop.engine = null;
  void engine
    .stop(10_000)
    .then(
      (report) => {
        if (!report.aborted) return;
        const message = `${report.aborted} running job(s) did not finish within 10 s and were aborted; graphile-worker retries them.`;
        console.log(`jobdeck: ${message}`);
        if (Notification.isSupported()) new Notification({ title: 'Jobdeck stopped its runner', body: message }).show();
      },
      (error: unknown) => console.error('jobdeck: stop failed:', error),
    )
    .finally(() => app.quit());
}

main();

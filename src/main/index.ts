import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Notification, webContents } from 'electron';
import { createEngine, type Engine } from '../engine/index.ts';
import { registerIpcTransport } from './ipc-transport.ts';
import { isTrustedSender } from './trusted-sender.ts';
import { createMainWindow, setupContentSecurityPolicy } from './window.ts';
import { safeStorageSecrets } from './secrets.ts';
import { electronNativeBinding } from './native-binding.ts';
import { setupMenu } from './menu.ts';
import { setupFailureNotifications } from './notifications.ts';

/** Hosts the engine and stays thin: lifecycle, window, IPC, keychain, dialogs. */
let engine: Engine | null = null;
let quitting = false;

async function onReady(): Promise<void> {
  setupContentSecurityPolicy();
  engine = createEngine({
    dataDir: process.env.JOBDECK_DATA_DIR ?? app.getPath('userData'),
    mode: 'electron',
    nativeBinding: electronNativeBinding(path.resolve(import.meta.dirname, '../..')),
    secrets: safeStorageSecrets,
    pickDirectory: async () => {
      const result = await dialog.showOpenDialog({ title: 'Choose a task directory', properties: ['openDirectory'] });
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
  });
  registerIpcTransport(engine, { ipcMain, isTrustedSender, webContents: () => webContents.getAllWebContents() });
  setupFailureNotifications(engine);
  setupMenu(() => app.quit());
  createMainWindow();
  // The window opens at once and shows progress; a failed start is shown there, never blocks it.
  engine
    .start({
      databaseUrl: process.env.JOBDECK_DATABASE_URL,
      demo: !process.env.JOBDECK_DATABASE_URL,
      // Review saved failure history with no database at all (as web mode's --offline).
      offline: process.env.JOBDECK_OFFLINE === '1',
    })
    .catch((error) => console.error(`jobdeck: start failed: ${(error as Error).message}`));
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus());
  app.whenReady().then(onReady, (error) => console.error(error));
  app.on('window-all-closed', () => app.quit());
  // Quit: stop taking jobs, wait (bounded) for running ones, abort the rest so they are retried.
  app.on('before-quit', (event) => {
    if (quitting || !engine) return;
    event.preventDefault();
    quitting = true;
    const current = engine;
    engine = null;
    current
      .stop(10_000)
      .then((report) => {
        if (!report.aborted) return;
        const message = `${report.aborted} running job(s) did not finish within 10 s and were aborted; graphile-worker retries them.`;
        console.log(`jobdeck: ${message}`);
        if (Notification.isSupported()) new Notification({ title: 'Jobdeck stopped its runner', body: message }).show();
      })
      .finally(() => app.quit());
  });
}

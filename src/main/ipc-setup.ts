import { ipcMain, webContents } from 'electron';
import type { Engine } from '../engine/index.ts';
import { registerIpcTransport } from './ipc-transport.ts';
import { isTrustedSender } from './trusted-sender.ts';

/**
 * The one file in main that holds Electron's real `ipcMain` (lint refuses raw IPC elsewhere): it hands it to the
 * transport, which serves exactly the contract and checks every sender. The transport itself takes Electron's
 * objects as arguments, so it runs under plain Node in tests.
 */
export function setupIpcTransport(engine: Engine): () => void {
  return registerIpcTransport(engine, { ipcMain, isTrustedSender, webContents: () => webContents.getAllWebContents() });
}

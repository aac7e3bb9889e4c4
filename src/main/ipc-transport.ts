import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { IPC_EVENT_CHANNEL, ipcChannel, OP_NAMES, type OpResult } from '../shared/contract/index.ts';
import type { Engine } from '../engine/index.ts';

/** Only our own windows, showing our own bundled page, may call the engine. */
export function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const window = BrowserWindow.fromWebContents(event.sender);
  if (!window || !event.senderFrame) return false;
  return event.senderFrame.url.startsWith('file://') || event.senderFrame.url.startsWith(process.env.ELECTRON_RENDERER_URL ?? '\0');
}

/**
 * The IPC transport: one `handle` per contract operation, each forwarding to `engine.call`, which validates.
 * No per-operation code here, so IPC and HTTP cannot drift apart.
 */
export function registerIpcTransport(engine: Engine): () => void {
  for (const name of OP_NAMES) {
    ipcMain.handle(ipcChannel(name), async (event, input: unknown): Promise<OpResult<unknown>> => {
      if (!isTrustedSender(event)) return { ok: false, error: { code: 'unauthorized', message: 'Untrusted sender' } };
      return engine.call(name, input);
    });
  }
  const unsubscribe = engine.subscribe((payload) => {
    for (const window of BrowserWindow.getAllWindows()) {
      if (!window.isDestroyed()) window.webContents.send(IPC_EVENT_CHANNEL, payload);
    }
  });
  return () => {
    unsubscribe();
    for (const name of OP_NAMES) ipcMain.removeHandler(ipcChannel(name));
  };
}

/** The channels the transport registers, for the test that pins the exposed surface. */
export const ipcChannels = () => OP_NAMES.map(ipcChannel);

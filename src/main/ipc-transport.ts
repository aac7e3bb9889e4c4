import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { IPC_EVENT_CHANNEL, ipcChannel, OP_NAMES, type OpResult } from '../shared/contract/index.ts';
import type { Engine } from '../engine/index.ts';

export interface IpcTransportDeps {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  /** Whether the sender is one of our windows showing our own page (checked once, here). */
  isTrustedSender(event: IpcMainInvokeEvent): boolean;
  /** Where pushed events go. */
  webContents(): WebContents[];
}

/**
 * The IPC transport: one `handle` per contract operation, each forwarding to `engine.call`, which validates.
 * No per-operation code here, so IPC and HTTP cannot drift apart. Electron objects are passed in, so this
 * file runs (and is tested) under plain Node.
 */
export function registerIpcTransport(engine: Pick<Engine, 'call' | 'subscribe'>, deps: IpcTransportDeps): () => void {
  for (const name of OP_NAMES) {
    deps.ipcMain.handle(ipcChannel(name), async (event, input: unknown): Promise<OpResult<unknown>> => {
      if (!deps.isTrustedSender(event)) return { ok: false, error: { code: 'unauthorized', message: 'Untrusted sender' } };
      return engine.call(name, input);
    });
  }
  const unsubscribe = engine.subscribe((payload) => {
    for (const contents of deps.webContents()) {
      if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, payload);
    }
  });
  return () => {
    unsubscribe();
    for (const name of OP_NAMES) deps.ipcMain.removeHandler(ipcChannel(name));
  };
}

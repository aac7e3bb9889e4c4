import type { IpcRenderer, IpcRendererEvent } from 'electron';
import { IPC_EVENT_CHANNEL, ipcChannel, OP_NAMES, splitOpName, type JobdeckEvent } from '../shared/contract/index.ts';

/**
 * One method per contract operation, grouped by domain, each bound to its own channel: the page can call
 * exactly the contract and nothing else (no generic invoke, no ipcRenderer).
 */
export function buildBridge(ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>) {
  const bridge: Record<string, unknown> = {};
  for (const name of OP_NAMES) {
    const [domain, method] = splitOpName(name);
    const group = (bridge[domain] ??= {}) as Record<string, (input: unknown) => Promise<unknown>>;
    const channel = ipcChannel(name);
    group[method] = (input: unknown) => ipc.invoke(channel, input);
  }
  bridge.onEvent = (listener: (event: JobdeckEvent) => void) => {
    const handler = (_event: IpcRendererEvent, payload: JobdeckEvent) => listener(payload);
    ipc.on(IPC_EVENT_CHANNEL, handler);
    return () => void ipc.removeListener(IPC_EVENT_CHANNEL, handler);
  };
  return bridge;
}

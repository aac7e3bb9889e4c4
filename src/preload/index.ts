import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_EVENT_CHANNEL, ipcChannel, OP_NAMES, splitOpName, type JobdeckEvent } from '../shared/contract/index.ts';

/**
 * One method per contract operation, grouped by domain, each bound to its own channel: the page can call
 * exactly the contract and nothing else (no generic invoke, no ipcRenderer).
 */
function buildBridge() {
  const bridge: Record<string, Record<string, (input: unknown) => Promise<unknown>> | unknown> = {};
  for (const name of OP_NAMES) {
    const [domain, method] = splitOpName(name);
    const group = (bridge[domain] ??= {}) as Record<string, (input: unknown) => Promise<unknown>>;
    const channel = ipcChannel(name);
    group[method] = (input: unknown) => ipcRenderer.invoke(channel, input);
  }
  bridge.onEvent = (listener: (event: JobdeckEvent) => void) => {
    const handler = (_event: IpcRendererEvent, payload: JobdeckEvent) => listener(payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
  };
  return bridge;
}

contextBridge.exposeInMainWorld('jobdeck', buildBridge());

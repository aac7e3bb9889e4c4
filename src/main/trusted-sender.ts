import { BrowserWindow, type IpcMainInvokeEvent } from 'electron';

/** Only our own windows, showing our own bundled page (or the dev server in `npm run dev`), may call the engine. */
export function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  if (!BrowserWindow.fromWebContents(event.sender) || !event.senderFrame) return false;
  const url = event.senderFrame.url;
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  return url.startsWith('file://') || (!!devUrl && url.startsWith(devUrl));
}

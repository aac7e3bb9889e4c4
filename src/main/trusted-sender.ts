import { BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { isTrustedOrigin } from './app-origin.ts';

/** Only our own windows, showing our own page (app://jobdeck, or the dev server in `npm run dev`), may call the engine. */
export function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  if (!BrowserWindow.fromWebContents(event.sender) || !event.senderFrame) return false;
  return isTrustedOrigin(event.senderFrame.url, process.env.ELECTRON_RENDERER_URL);
}

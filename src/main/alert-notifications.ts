import { BrowserWindow, Notification } from 'electron';
import type { Engine } from '../engine/index.ts';
import { IPC_EVENT_CHANNEL, type JobdeckEvent } from '../shared/contract/index.ts';

const PREFIX = { firing: '', resolved: 'Resolved: ', summary: '', test: '' } as const;

/**
 * Desktop notifications of alerts: the engine decides (episodes, quiet period, the operator's choice of channel,
 * `notify`); this only shows them. A click opens the alert list.
 */
export function setupAlertNotifications(engine: Pick<Engine, 'subscribe'>): () => void {
  return engine.subscribe((event) => {
    if (event.type !== 'alert' || !event.notify || !Notification.isSupported()) return;
    const notification = new Notification({ title: `${PREFIX[event.message]}${event.alert.title}`, body: event.alert.text.slice(0, 300) });
    notification.on('click', () => {
      const window = BrowserWindow.getAllWindows()[0];
      if (!window) return;
      if (window.isMinimized()) window.restore();
      window.focus();
      const navigate: JobdeckEvent = { type: 'navigate', path: 'alerts' };
      window.webContents.send(IPC_EVENT_CHANNEL, navigate);
    });
    notification.show();
  });
}

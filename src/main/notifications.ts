import { BrowserWindow, Notification } from 'electron';
import type { Engine } from '../engine/index.ts';
import { IPC_EVENT_CHANNEL, type JobdeckEvent } from '../shared/contract/index.ts';
import { createFailureAlerts } from './failure-alerts.ts';

/** Desktop notifications for jobs that failed for good; a click opens the job explorer filtered to them. */
export function setupFailureNotifications(engine: Pick<Engine, 'subscribe'>): () => void {
  const decide = createFailureAlerts();
  return engine.subscribe((event) => {
    if (event.type !== 'overview' || !Notification.isSupported()) return;
    const alert = decide(event.snapshot);
    if (!alert) return;
    const notification = new Notification({ title: alert.title, body: alert.body });
    notification.on('click', () => {
      const window = BrowserWindow.getAllWindows()[0];
      if (!window) return;
      if (window.isMinimized()) window.restore();
      window.focus();
      const navigate: JobdeckEvent = { type: 'navigate', path: alert.path, params: alert.params };
      window.webContents.send(IPC_EVENT_CHANNEL, navigate);
    });
    notification.show();
  });
}

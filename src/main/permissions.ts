import { session } from 'electron';

/**
 * Jobdeck's pages need no browser permission (camera, microphone, geolocation, notifications from the page,
 * HID/USB/serial devices...): every request and every check is denied (Electron's security checklist, item 5).
 * Desktop notifications come from the main process, which needs none.
 */
export function denyAllPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.setDevicePermissionHandler(() => false);
}

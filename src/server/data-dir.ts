import os from 'node:os';
import path from 'node:path';

/** Where the desktop app keeps its data (Electron's userData), so web mode and desktop share one history. */
export function defaultDataDir(): string {
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Jobdeck');
    case 'win32':
      return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Jobdeck');
    default:
      return path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Jobdeck');
  }
}

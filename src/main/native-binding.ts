import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * better-sqlite3's addon must match Electron's ABI, which differs from Node's used by tests and web mode.
 * `npm start` prepares an Electron build of it in .cache/electron-native (scripts/electron-native.mjs);
 * packaged apps ship it next to the app.
 */
export function electronNativeBinding(appRoot: string): string | undefined {
  const file = path.join(appRoot, '.cache', 'electron-native', process.versions.electron ?? '', 'better_sqlite3.node');
  return existsSync(file) ? file : undefined;
}

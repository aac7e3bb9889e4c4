import { statSync } from 'node:fs';
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

/**
 * Why `dir` cannot be the data directory, in one line, or null when it can. The default one is created on first
 * use; one the operator named must exist: a typo would otherwise start an empty console with no history.
 */
export function dataDirProblem(dir: string, named: boolean): string | null {
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (!stat) {
    return named
      ? `the data directory ${dir} does not exist: create it first (mkdir -p ${dir}), or leave out --data-dir for the default`
      : null;
  }
  if (!stat.isDirectory()) return `cannot open the data directory ${dir}: it is a file, not a folder`;
  return null;
}

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processIdentity } from '../runner/process-identity.ts';

const LOCK_FILE = 'jobdeck.lock';

/** Another live Jobdeck holds the data folder: two consoles on one SQLite file and one embedded Postgres would clash. */
export class DataFolderInUseError extends Error {
  override readonly name = 'DataFolderInUseError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`another Jobdeck (pid ${pid}) is using the data directory ${dataDir}`);
  }
}

interface Holder {
  pid: number;
  /** processIdentity of that pid when it took the lock: a pid reused by another process is not the holder. */
  identity: string | null;
}

/**
 * Takes the data folder for this process (`jobdeck.lock`: its pid and identity), or throws DataFolderInUseError
 * when a live Jobdeck holds it. A lock left by a process that is gone (killed, crashed, its pid since reused) is
 * taken over. This process may take it again (the CLI takes it before it starts the embedded Postgres, the engine
 * when it opens the store). Returns the release, which removes the file only while this process holds it.
 */
export function lockDataFolder(dataDir: string): () => void {
  const file = path.join(dataDir, LOCK_FILE);
  const mine: Holder = { pid: process.pid, identity: processIdentity(process.pid) };
  // Twice at most: a stale lock is removed and the exclusive create tried again (another start may win that race).
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(mine), { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(file);
    if (holder?.pid === process.pid) break;
    if (holder && holder.identity !== null && processIdentity(holder.pid) === holder.identity) {
      throw new DataFolderInUseError(dataDir, holder.pid);
    }
    if (attempt > 0) throw new DataFolderInUseError(dataDir, holder?.pid ?? 0);
    rmSync(file, { force: true });
  }
  return () => {
    if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
  };
}

function readHolder(file: string): Holder | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof parsed.pid === 'number'
      ? { pid: parsed.pid, identity: typeof parsed.identity === 'string' ? parsed.identity : null }
      : null;
  } catch {
    return null; // being written by another start, or not ours: judged stale once, then refused
  }
}

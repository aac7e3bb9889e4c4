import { closeSync, existsSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import type { StoreIncident } from '../../shared/model/status.ts';
import type { LogFn } from '../logger.ts';
import type { Db } from './db.ts';
import { RESTORED_SUFFIX } from './safe-open.ts';

const HEADER = 'SQLite format 3\0';

export interface FileGuardOptions {
  db: Db;
  file: string;
  intervalMs: number;
  log: LogFn;
  onIncident: (incident: StoreIncident) => void;
}

export interface FileGuard {
  /** Looks at the file now (the timer does so every intervalMs). */
  check(): Promise<void>;
  /** Before the database closes: a deleted file's open copy is saved one last time. */
  beforeClose(): Promise<void>;
  /** After it closed: the saved copy is put back where the file was. */
  afterClose(): void;
  /** Whether the file was seen deleted, replaced or damaged while Jobdeck ran (the next start must then check it). */
  sawTrouble(): boolean;
}

/**
 * Notices, while Jobdeck runs, that its SQLite file was deleted, replaced, emptied or overwritten. A deleted file
 * is not lost yet: the open connection still holds it, so Jobdeck writes it to `<file>.restored` at once and again
 * when it stops, then puts it back (or, after a crash, the next start does). A damaged file cannot be repaired in
 * place: the operator is told to restart, when it is moved aside (store/safe-open.ts).
 */
export function guardStoreFile(options: FileGuardOptions): FileGuard {
  const { db, file, log } = options;
  const restored = `${file}${RESTORED_SUFFIX}`;
  const inode = statSync(file).ino;
  let deleted = false;
  let damaged = false;
  let saving: Promise<void> | null = null;

  const save = () =>
    (saving ??= db
      .backup(restored)
      .then(() => undefined)
      .catch((error: unknown) => log('error', `store: could not save the open copy to ${restored}: ${(error as Error).message}`))
      .finally(() => (saving = null)));

  const check = async (): Promise<void> => {
    if (damaged) return;
    const gone = !existsSync(file) || statSync(file).ino !== inode;
    if (gone && !deleted) {
      deleted = true;
      log('error', `store: ${file} was deleted or replaced while Jobdeck ran; saving the open copy to ${restored}`);
      await save();
      options.onIncident({
        kind: 'deleted_while_running',
        at: new Date().toISOString(),
        file,
        movedTo: restored,
        detail: `The data file was deleted or replaced while Jobdeck ran. Jobdeck goes on with its open copy, saved it to ${restored}, and puts it back in place when it stops.`,
        lost: 'nothing, if Jobdeck stops cleanly',
      });
      return;
    }
    if (gone) return;
    const why = damageSeen(file);
    if (why) {
      damaged = true;
      log('error', `store: ${file} ${why} while Jobdeck ran`);
      options.onIncident({
        kind: 'damaged_while_running',
        at: new Date().toISOString(),
        file,
        movedTo: null,
        detail: `The data file ${why} while Jobdeck ran: what it records now may not be kept. Restart Jobdeck: it moves the damaged file aside and starts a fresh one.`,
        lost: 'possibly everything in the file',
      });
    }
  };

  const timer = setInterval(() => void check(), options.intervalMs);
  timer.unref();

  return {
    check,
    async beforeClose() {
      clearInterval(timer);
      await saving;
      if (deleted) await save();
    },
    afterClose() {
      if (!deleted || !existsSync(restored)) return;
      if (existsSync(file)) {
        log('warn', `store: ${file} exists again (put there by someone else); the saved copy stays at ${restored}`);
        return;
      }
      renameSync(restored, file);
      log('info', `store: the saved copy is back at ${file}`);
    },
    sawTrouble: () => damaged || deleted,
  };
}

/** What is wrong with a file that is still there: emptied, cut below one page, or its header overwritten. */
function damageSeen(file: string): string | null {
  const size = statSync(file).size;
  if (size === 0) return 'was emptied';
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(HEADER.length);
    const read = readSync(fd, head, 0, head.length, 0);
    if (read < HEADER.length || head.toString('latin1') !== HEADER) return 'was overwritten (its header is not SQLite’s)';
  } finally {
    closeSync(fd);
  }
  return null;
}

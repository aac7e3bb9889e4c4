import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations/index.ts';
import { restoreIndexesNow } from './deferred-indexes.ts';

export type Db = Database.Database;

/**
 * A transaction that takes SQLite's write lock as it begins (BEGIN IMMEDIATE); the only kind the console opens. The
 * store has a second connection at times (store/index-worker.ts builds indexes on a worker thread): a deferred
 * transaction that reads and then writes while that one holds the lock fails at once (SQLITE_BUSY, no busy wait,
 * or SQLITE_BUSY_SNAPSHOT after its commit), where an immediate one waits (busy_timeout).
 */
export function writeTransaction<F extends (...args: never[]) => unknown>(db: Db, fn: F): Database.Transaction<F>['immediate'] {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- a standalone function in better-sqlite3 (it hands its own `this` to fn, which none of ours reads)
  return db.transaction(fn).immediate;
}

/**
 * The SQLite file cannot be used by this build: a newer Jobdeck wrote it (`newer`), or a migration that already
 * ran on it has since changed (`edited`). The hosting process tells the operator which file and what to do.
 */
export class StoreMigrationError extends Error {
  override readonly name = 'StoreMigrationError';
  constructor(
    readonly file: string,
    readonly kind: 'newer' | 'edited',
    message: string,
  ) {
    super(message);
  }
}

export interface OpenStoreOptions {
  /** Path to a better_sqlite3.node built for this runtime (Electron's ABI differs from Node's). */
  nativeBinding?: string;
  migrations?: Migration[];
}

/** Opens (creating when needed) Jobdeck's SQLite file in WAL mode and applies pending migrations. */
export function openStore(file: string, options: OpenStoreOptions = {}): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // 32 MiB of page cache (the default is 2 MiB): a first sync inserts a million rows into indexes ordered by other
  // things than the insert order (failed attempts by time, type, task); with the default cache most of those
  // inserts read their page back from the file, and each small transaction writes the same pages again.
  db.pragma('cache_size = -32768');
  // Spill and checkpoint less often: the WAL is copied back in bigger, rarer steps during a long sync.
  db.pragma('wal_autocheckpoint = 4000');
  try {
    // Indexes a bulk write set aside and did not live to build (see deferred-indexes.ts), before anything reads.
    restoreIndexesNow(db);
    migrate(db, options.migrations ?? MIGRATIONS);
  } catch (error) {
    // Let go of the file, so the operator can move it aside while the failure is shown.
    db.close();
    throw error;
  }
  return db;
}

const hashOf = (m: Migration) => createHash('sha256').update(m.sql).digest('hex');

/**
 * Applies migrations not yet applied, each in its own transaction. A migration whose text changed after it
 * ran is an error: its effect on existing files would differ from a fresh install.
 */
export function migrate(db: Db, migrations: Migration[]): void {
  db.exec(`create table if not exists _migrations (
    id integer primary key, name text not null, hash text not null, applied_at text not null)`);
  const applied = new Map(
    (db.prepare('select id, hash from _migrations').all() as { id: number; hash: string }[]).map((r) => [r.id, r.hash]),
  );
  for (const migration of [...migrations].sort((a, b) => a.id - b.id)) {
    const hash = hashOf(migration);
    const done = applied.get(migration.id);
    if (done !== undefined) {
      if (done !== hash) {
        throw new StoreMigrationError(db.name, 'edited', `SQLite migration ${migration.id} (${migration.name}) was edited after it ran`);
      }
      continue;
    }
    writeTransaction(db, () => {
      db.exec(migration.sql);
      db.prepare('insert into _migrations (id, name, hash, applied_at) values (?, ?, ?, ?)').run(
        migration.id,
        migration.name,
        hash,
        new Date().toISOString(),
      );
    })();
  }
  const newest = Math.max(0, ...applied.keys());
  const known = Math.max(0, ...migrations.map((m) => m.id));
  if (newest > known)
    throw new StoreMigrationError(db.name, 'newer', `This data file was written by a newer Jobdeck (migration ${newest})`);
}

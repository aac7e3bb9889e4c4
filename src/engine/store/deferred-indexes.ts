import { writeTransaction, type Db } from './db.ts';

/**
 * Secondary indexes set aside while a bulk write runs, and built once after it.
 *
 * A first sync writes its failed attempts in small transactions (a cheap call must not wait behind a long one), in
 * an order none of `failure_attempts`' indexes follows (by time, type, task): each transaction then rewrites most
 * pages of every index, and 100,000 attempts took 5.2-5.9 s with the indexes against 1.3-1.5 s without them plus
 * building them afterwards (scratch measurement, 2026-12-03). Their definitions go to `deferred_indexes` in the
 * transaction that drops them, so a process that dies mid-bulk gets them back when the store opens next.
 */
export function setIndexesAside(db: Db, table: string, keep: readonly string[]): string[] {
  return writeTransaction(db, () => {
    const indexes = db
      .prepare<[string], { name: string; sql: string }>(
        `select name, sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null order by name`,
      )
      .all(table)
      .filter((i) => !keep.includes(i.name));
    const remember = db.prepare('insert or replace into deferred_indexes (name, tbl, sql) values (?, ?, ?)');
    for (const i of indexes) {
      remember.run(i.name, table, i.sql);
      db.exec(`drop index "${i.name.replaceAll('"', '""')}"`);
    }
    return indexes.map((i) => i.name);
  })();
}

/**
 * Builds the indexes set aside (all of them, or those of `table`), one statement each, and forgets them.
 * `between` runs after each build (the watcher lets the event loop breathe there).
 */
export async function restoreIndexes(db: Db, table?: string, between: () => Promise<void> = async () => {}): Promise<void> {
  for (const index of pendingIndexes(db, table)) {
    restoreOne(db, index);
    await between();
  }
}

/** The same, at once: when the store opens, before anything reads it. */
export function restoreIndexesNow(db: Db): void {
  for (const index of pendingIndexes(db)) restoreOne(db, index);
}

export interface PendingIndex {
  name: string;
  sql: string;
}

/** The indexes set aside and not built yet (all of them, or those of `table`). */
export function pendingIndexes(db: Db, table?: string): PendingIndex[] {
  const exists = db.prepare(`select 1 from sqlite_master where type = 'table' and name = 'deferred_indexes'`).get();
  if (!exists) return [];
  return db
    .prepare<[string | null, string | null], PendingIndex>(
      'select name, sql from deferred_indexes where (? is null or tbl = ?) order by name',
    )
    .all(table ?? null, table ?? null);
}

/** Built from the definition SQLite itself kept; `if not exists` makes a second build harmless. */
export const buildSql = (sql: string): string => sql.replace(/^create (unique )?index /i, (m) => `${m}if not exists `);

function restoreOne(db: Db, { name, sql }: PendingIndex): void {
  writeTransaction(db, () => {
    db.exec(buildSql(sql));
    db.prepare('delete from deferred_indexes where name = ?').run(name);
  })();
}

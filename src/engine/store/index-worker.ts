import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './db.ts';
import { buildSql, pendingIndexes, restoreIndexes } from './deferred-indexes.ts';

/**
 * The worker thread's program (plain CommonJS, evaluated: no file of its own to bundle). Each index is built and
 * forgotten in one transaction, as on the main thread; an error ends the thread, and the caller builds the rest.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.module);
// fileMustExist: a file moved away meanwhile is never created again, empty, by this thread (see file-guard.ts).
const db = new Database(workerData.file, { fileMustExist: true, ...(workerData.nativeBinding ? { nativeBinding: workerData.nativeBinding } : {}) });
try {
  db.pragma('busy_timeout = 5000');
  const forget = db.prepare('delete from deferred_indexes where name = ?');
  for (const { name, sql } of workerData.indexes) db.transaction(() => { db.exec(sql); forget.run(name); })();
} finally {
  db.close();
}`;

export interface OffThreadOptions {
  /** better-sqlite3's native binding, when the process needs its own (Electron); see OpenStoreOptions. */
  nativeBinding?: string;
  /** Runs between two builds done here (when the worker could not do them). */
  between?: () => Promise<void>;
  /** Told once why the worker could not build (the builds then happen on this thread). */
  onFallback?: (error: unknown) => void;
}

/**
 * Builds the indexes of `table` set aside by a bulk write, on a worker thread with its own connection to the same
 * file. A CREATE INDEX over 100,000 failed attempts holds its thread for 10-80 ms, one after another: on the main
 * thread those were most of the long waits a cheap call saw during a first sync. In WAL mode the main connection
 * reads meanwhile; its writes wait for the current build (busy_timeout: every transaction of the console is an
 * immediate one, see writeTransaction). What the worker could not build (an
 * in-memory store, a thread that could not start or load the module) is built here, as before. Returns how many
 * indexes were built where.
 */
export async function restoreIndexesOffThread(
  db: Db,
  table: string,
  options: OffThreadOptions = {},
): Promise<{ offThread: number; here: number }> {
  const indexes = pendingIndexes(db, table).map((i) => ({ name: i.name, sql: buildSql(i.sql) }));
  if (indexes.length > 0 && !db.memory) {
    try {
      await new Promise<void>((resolve, reject) => {
        const worker = new Worker(WORKER_SOURCE, {
          eval: true,
          // Plain JavaScript: none of this process's flags (a TypeScript loader, a profiler) is needed to start it.
          execArgv: [],
          workerData: {
            module: createRequire(import.meta.url).resolve('better-sqlite3'),
            file: db.name,
            nativeBinding: options.nativeBinding,
            indexes,
          },
        });
        worker.once('error', reject);
        worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the index builder exited with code ${code}`))));
      });
    } catch (error) {
      options.onFallback?.(error);
    }
  }
  const left = pendingIndexes(db, table).length;
  await restoreIndexes(db, table, options.between);
  return { offThread: indexes.length - left, here: left };
}

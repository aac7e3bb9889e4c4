/**
 * The console's store has a second connection at times (the index builder's worker thread). While that one holds
 * SQLite's write lock, a transaction of the console that reads and then writes must wait for it, not fail: a
 * companion page refused with "database is locked" would be attempts lost. writeTransaction (BEGIN IMMEDIATE) waits;
 * a deferred transaction (better-sqlite3's default) fails at once, which is why lint forbids it in the engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { openStore, writeTransaction } from '../../src/engine/store/db.ts';

const HOLD_MS = 400;

/** Another thread takes the write lock (as the index builder does) and holds it HOLD_MS; resolves once it holds it. */
function holdWriteLock(file: string): { held: Promise<void>; done: Promise<void> } {
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const Database = require(workerData.module);
     const db = new Database(workerData.file, { fileMustExist: true });
     db.exec('begin immediate');
     db.prepare("insert into settings (key, value) values ('held', 'yes') on conflict (key) do update set value = 'yes'").run();
     parentPort.postMessage('held');
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
     db.exec('commit');
     db.close();`,
    { eval: true, execArgv: [], workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), file, holdMs: HOLD_MS } },
  );
  const held = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  const done = new Promise<void>((resolve, reject) => {
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
    worker.once('error', reject);
  });
  return { held, done };
}

test('a read-then-write transaction waits for another connection’s write lock instead of failing', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-second-writer-'));
  const db = openStore(path.join(dir, 'store.sqlite'));
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const readThenWrite = (key: string) => () => {
    const before = db.prepare('select count(*) as n from settings').get() as { n: number };
    db.prepare('insert into settings (key, value) values (?, ?)').run(key, String(before.n));
  };

  // The default (deferred) transaction, which the engine must not open: SQLITE_BUSY at its first write, no busy wait.
  let lock = holdWriteLock(db.name);
  await lock.held;
  assert.throws(() => db.transaction(readThenWrite('deferred'))(), /database is locked/);
  await lock.done;

  lock = holdWriteLock(db.name);
  await lock.held;
  const started = performance.now();
  writeTransaction(db, readThenWrite('immediate'))();
  const waited = performance.now() - started;
  await lock.done;
  assert.ok(waited >= HOLD_MS / 2, `it waited for the lock (${waited.toFixed(0)} ms)`);
  assert.deepEqual(db.prepare(`select key, value from settings where key in ('held', 'immediate', 'deferred') order by key`).all(), [
    { key: 'held', value: 'yes' },
    { key: 'immediate', value: '1' },
  ]);
});

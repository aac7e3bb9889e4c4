/**
 * A first sync (or a long catch-up) sets failure_attempts' secondary indexes aside while it writes and builds them
 * after: the attempts recorded are the same, every index is back at the end, and a process that dies mid-bulk gets
 * them back when the store opens next. With many attempts kept already, the indexes stay.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { watcherOf } from '../helpers/watcher.ts';
import { openStore, type Db } from '../../src/engine/store/db.ts';
import { setIndexesAside } from '../../src/engine/store/deferred-indexes.ts';
import { restoreIndexesOffThread } from '../../src/engine/store/index-worker.ts';

let pgdb: TestPostgres;
let dir: string;

before(async () => {
  pgdb = await startTestPostgres();
  dir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bulk-indexes-'));
});
after(async () => {
  await pgdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

const JOBS = 1100;
const FAILED = 275;

const indexes = (db: Db) =>
  (
    db
      .prepare(`select name from sqlite_master where type = 'index' and tbl_name = 'failure_attempts' and sql is not null order by name`)
      .all() as {
      name: string;
    }[]
  ).map((r) => r.name);
const count = (db: Db, sql: string) => (db.prepare(sql).get() as { n: number }).n;

test('a bulk scan records the same attempts with the indexes set aside, and every index is back after it', async () => {
  // Jobs 128 ids apart, as in a big table: each in its own id range, so the first scan is a bulk one (1,100 ranges).
  // (Seeded as workers' history leaves a table; graphile-worker's own add_job cannot choose ids.)
  await pgdb.pool.query(`insert into graphile_worker._private_tasks (identifier) values ('bulk_task') on conflict do nothing`);
  await pgdb.pool.query(
    `insert into graphile_worker._private_jobs (id, task_id, payload) overriding system value
     select 1000000 + i * 128, (select id from graphile_worker._private_tasks where identifier = 'bulk_task'), '{}'::json
     from generate_series(1, ${JOBS}) i`,
  );
  await pgdb.pool.query(
    `update graphile_worker._private_jobs set attempts = 1, last_error = 'Error code: 429 - quota', run_at = now() - interval '1 hour'
     where id in (select id from graphile_worker._private_jobs order by id limit ${FAILED})`,
  );
  const db = openStore(path.join(dir, 'bulk.sqlite'));
  try {
    const fresh = indexes(db);
    assert.ok(fresh.length >= 6, `failure_attempts has its indexes (${fresh.join(', ')})`);
    const first = await watcherOf(pgdb.pool, db).scan();
    assert.equal(first.changedBuckets, JOBS);
    assert.equal(first.indexesSetAside, fresh.length - 1, 'every index but the unique key was set aside');
    assert.equal(first.newAttempts, FAILED);
    assert.equal(count(db, `select count(*) as n from failure_attempts where connection_id = 'c1' and error_type = 'rate_limit'`), FAILED);
    assert.deepEqual(indexes(db), fresh, 'every index is back');
    assert.equal(count(db, 'select count(*) as n from deferred_indexes'), 0, 'nothing left to build');
    assert.equal(count(db, 'select sum((select sum(json_array_length(t.value)) from json_each(jobs) t)) as n from watch_buckets'), JOBS);

    // Many attempts kept already (another connection's history): the next bulk scan leaves the indexes alone.
    const filler = db.prepare(
      `insert into failure_attempts (connection_id, job_id, generation, task, attempt, max_attempts, at, error, error_type, source, final)
       values ('other', ?, 0, 'x', 1, 3, ?, 'boom', 'unknown', 'watch', 0)`,
    );
    db.transaction(() => {
      for (let i = 0; i <= 20_000; i++) filler.run(i, Date.now() - i);
    })();
    await pgdb.pool.query(
      `update graphile_worker._private_jobs set attempts = attempts + 1, last_error = 'Request timeout after 300 seconds'`,
    );
    const second = await watcherOf(pgdb.pool, db).scan();
    assert.equal(second.changedBuckets, JOBS);
    assert.equal(second.indexesSetAside, 0);
    assert.equal(second.newAttempts, JOBS);
    assert.deepEqual(indexes(db), fresh);
  } finally {
    db.close();
  }
});

test('indexes set aside by a process that died mid-bulk are built when the store opens next', () => {
  const file = path.join(dir, 'died.sqlite');
  const db = openStore(file);
  const fresh = indexes(db);
  const setAside = setIndexesAside(db, 'failure_attempts', ['failure_attempts_attempt']);
  assert.equal(setAside.length, fresh.length - 1);
  assert.deepEqual(indexes(db), ['failure_attempts_attempt']);
  db.close();

  const reopened = openStore(file);
  try {
    assert.deepEqual(indexes(reopened), fresh);
    assert.equal(count(reopened, 'select count(*) as n from deferred_indexes'), 0);
  } finally {
    reopened.close();
  }
});

test('the engine builds the indexes set aside on a worker thread, and on this one when the worker cannot', async () => {
  for (const [name, nativeBinding] of [
    ['thread.sqlite', undefined],
    ['fallback.sqlite', path.join(dir, 'no-such-binding.node')],
  ] as const) {
    const db = openStore(path.join(dir, name));
    try {
      const fresh = indexes(db);
      setIndexesAside(db, 'failure_attempts', ['failure_attempts_attempt']);
      assert.deepEqual(indexes(db), ['failure_attempts_attempt']);
      const fallbacks: unknown[] = [];
      const built = await restoreIndexesOffThread(db, 'failure_attempts', { nativeBinding, onFallback: (e) => fallbacks.push(e) });
      const setAside = fresh.length - 1;
      assert.deepEqual(built, nativeBinding ? { offThread: 0, here: setAside } : { offThread: setAside, here: 0 });
      assert.deepEqual(indexes(db), fresh, `${name}: every index is back`);
      assert.equal(count(db, 'select count(*) as n from deferred_indexes'), 0, `${name}: nothing left to build`);
      assert.equal(fallbacks.length, nativeBinding ? 1 : 0, `${name}: built by the worker unless it could not load`);
      // The main connection sees the other connection's indexes at once (its statements are prepared again).
      assert.equal(count(db, `select count(*) as n from failure_attempts indexed by failure_attempts_at where at > 0`), 0);
    } finally {
      db.close();
    }
  }
});

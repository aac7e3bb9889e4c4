/**
 * Between hash passes, the history watcher finds what changed from transaction ids (`changedRangesSql`): a range
 * is read again when its job count moved or a row in it was written by a transaction the last pass could not see.
 * These tests hold that to what a hash of every row would find, where it is easiest to get wrong: a transaction
 * open across a pass, a change inside a savepoint, a job removed and another added in the same range; and they
 * check the hash pass comes back on schedule and when the ids cannot be trusted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { watcherOf } from '../helpers/watcher.ts';
import { openStore, type Db } from '../../src/engine/store/db.ts';

let pgdb: TestPostgres;
let dir: string;

before(async () => {
  pgdb = await startTestPostgres();
  dir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-xmin-'));
});
after(async () => {
  await pgdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

const q = (sql: string) => pgdb.pool.query(sql);

/** Jobs with the given ids (task `xmin_task`, 5 attempts, waiting). */
async function addJobs(ids: string): Promise<void> {
  await q(`insert into graphile_worker._private_tasks (identifier) values ('xmin_task') on conflict do nothing`);
  await q(
    `insert into graphile_worker._private_jobs (id, task_id, payload, max_attempts, run_at) overriding system value
     select i, (select id from graphile_worker._private_tasks where identifier = 'xmin_task'), '{}'::json, 5, now() from ${ids} as s(i)`,
  );
}

const failSql = (id: number, message: string) =>
  `update graphile_worker._private_jobs set attempts = attempts + 1, last_error = '${message}', run_at = now() + interval '1 minute'
   where id = ${id}`;

function storeAt(name: string): Db {
  return openStore(path.join(dir, `${name}.sqlite`));
}

test('changes found by transaction ids: across an open transaction, inside a savepoint, a removal hidden by an addition', async () => {
  await addJobs('generate_series(1, 100)');
  await addJobs('generate_series(128, 200)');
  const db = storeAt('ids');
  const watcher = watcherOf(pgdb.pool, db);
  try {
    assert.equal((await watcher.scan()).detection, 'first-sync');
    const hashed = await watcher.scan();
    assert.equal(hashed.detection, 'hash');
    assert.equal(hashed.changedBuckets, 0);
    const quiet = await watcher.scan();
    assert.equal(quiet.detection, 'xmin');
    assert.equal(quiet.changedBuckets, 0, 'nothing changed, nothing read');
    assert.equal(quiet.jobs, 173);

    // A transaction that has written (so holds a transaction id) stays open across a pass: the pass cannot see its
    // change; the next one, after it commits, must.
    const open = await pgdb.pool.connect();
    const inSavepoint = await pgdb.pool.connect();
    try {
      await open.query('begin');
      await open.query(failSql(10, 'Error code: 429 - first'));
      // Another one, whose change is made in a savepoint (a subtransaction, with an id of its own above its parent's).
      await inSavepoint.query('begin');
      await inSavepoint.query('select txid_current()');
      await inSavepoint.query('savepoint s1');
      await inSavepoint.query(failSql(150, 'Request timeout after 300 seconds'));
      await inSavepoint.query('release savepoint s1');
      // A later transaction completes, so the pass's snapshot lists the two as running below its xmax (the newest
      // transaction id a pass sees would miss them).
      await q('select txid_current()');

      const during = await watcher.scan();
      assert.equal(during.detection, 'xmin');
      assert.equal(during.changedBuckets, 0, 'uncommitted: not visible yet');
      assert.equal(during.newAttempts, 0);

      await open.query('commit');
      await inSavepoint.query('commit');
    } finally {
      open.release();
      inSavepoint.release();
    }
    const after = await watcher.scan();
    assert.equal(after.detection, 'xmin');
    assert.equal(after.changedBuckets, 2, 'ranges 0 and 1');
    assert.equal(after.newAttempts, 2, 'both failures recorded, though their transactions began before the last pass');
    const types = db.prepare(`select job_id, error_type from failure_attempts where connection_id = 'c1' order by job_id`).all() as {
      job_id: number;
      error_type: string;
    }[];
    assert.deepEqual(
      types.map((t) => [t.job_id, t.error_type]),
      [
        [10, 'rate_limit'],
        [150, 'timeout'],
      ],
    );

    // One job of range 1 completes (removed) and another is added to the same range: its count does not move.
    await q(`delete from graphile_worker._private_jobs where id = 160`);
    await addJobs('(values (210))');
    const swapped = await watcher.scan();
    assert.equal(swapped.detection, 'xmin');
    assert.equal(swapped.changedBuckets, 1);
    assert.equal(swapped.successes, 1, 'the completed job counted');
    assert.equal(swapped.jobs, 173);

    // A range emptied, and one added far away.
    await q(`delete from graphile_worker._private_jobs where id between 1 and 100`);
    await addJobs('(values (100000))');
    const moved = await watcher.scan();
    assert.equal(moved.detection, 'xmin');
    assert.equal(moved.changedBuckets, 2);
    assert.equal(moved.successes, 100);
    assert.equal(moved.jobs, 74);

    // What the passes by ids left stored is what a hash of every row gives: the next hash pass reads nothing.
    const check = watcherOf(pgdb.pool, db);
    const rehashed = await check.scan();
    assert.equal(rehashed.detection, 'hash', 'a new watcher (a new process) hashes first');
    assert.equal(rehashed.changedBuckets, 0, 'the stored hashes are those of the rows read');
  } finally {
    db.close();
    await q(`delete from graphile_worker._private_jobs`);
  }
});

test('a hash pass at least every reconcileMs, and whenever the transaction ids cannot be trusted', async () => {
  await addJobs('generate_series(1, 50)');
  const db = storeAt('reconcile');
  try {
    const always = watcherOf(pgdb.pool, db, { reconcileMs: 0 });
    await always.scan();
    await q(failSql(5, 'Error code: 429 - again'));
    const r = await always.scan();
    assert.equal(r.detection, 'hash', 'reconcileMs 0: every pass hashes');
    assert.equal(r.newAttempts, 1);

    const watcher = watcherOf(pgdb.pool, db);
    assert.equal((await watcher.scan()).detection, 'hash');
    assert.equal((await watcher.scan()).detection, 'xmin');
    // As after a restore of an older backup: the last pass's transaction id is ahead of the database's.
    const state = watcher as unknown as { sinceXmin: bigint | null };
    state.sinceXmin = (state.sinceXmin ?? 0n) + 2n ** 31n;
    await q(failSql(6, 'Error code: 429 - after a restore'));
    const restored = await watcher.scan();
    assert.equal(restored.detection, 'hash', 'ids that went backwards are not trusted');
    assert.equal(restored.newAttempts, 1);
    assert.equal((await watcher.scan()).detection, 'xmin', 'and trusted again from that hash pass on');
  } finally {
    db.close();
    await q(`delete from graphile_worker._private_jobs`);
  }
});

/**
 * The failure rollup (failure_quarters) after the watcher's sync in small transactions equals what the old
 * per-row trigger made of the same attempts, on a first sync and on a catch-up after more changes; a data folder
 * written before migration 014 keeps its rollup and goes on counting right.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { watcherOf } from '../helpers/watcher.ts';
import { openStore, type Db } from '../../src/engine/store/db.ts';
import { MIGRATIONS } from '../../src/engine/store/migrations/index.ts';
import { failureRollup } from '../../src/engine/history/failure-rollup.ts';
import { enforceRetention } from '../../src/engine/history/maintenance.ts';

let pgdb: TestPostgres;
let dir: string;

before(async () => {
  pgdb = await startTestPostgres();
  dir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-rollups-'));
});
after(async () => {
  await pgdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

const BEFORE_014 = MIGRATIONS.filter((m) => m.id < 14);
const ATTEMPT_COLUMNS =
  'connection_id, job_id, generation, task, queue, attempt, max_attempts, at, error, error_type, duration_ms, pool_id, source, final';

type Quarter = { connection_id: string; slot: number; task: string; error_type: string; n: number };
const quarters = (db: Db): Quarter[] =>
  db.prepare('select connection_id, slot, task, error_type, n from failure_quarters order by 1, 2, 3, 4').all() as Quarter[];

/**
 * The old way: the same attempts inserted one by one into a store without migration 014, where the per-row
 * trigger of migrations 003/008 keeps failure_quarters.
 */
function rollupTheOldWay(db: Db, name: string): Quarter[] {
  const old = openStore(path.join(dir, `${name}.sqlite`), { migrations: BEFORE_014 });
  try {
    const rows = db.prepare(`select ${ATTEMPT_COLUMNS} from failure_attempts order by id`).all() as Record<string, unknown>[];
    const insert = old.prepare(
      `insert into failure_attempts (${ATTEMPT_COLUMNS}) values (${ATTEMPT_COLUMNS.split(', ')
        .map((c) => `@${c}`)
        .join(', ')})`,
    );
    old.transaction(() => rows.forEach((r) => insert.run(r)))();
    return quarters(old);
  } finally {
    old.close();
  }
}

/** A mixed set of jobs over three tasks and a queue, as workers leave them: failed (with several error kinds), locked, used up. */
async function seedJobs(from: number, count: number): Promise<void> {
  await pgdb.pool.query(
    `select graphile_worker.add_job((array['alpha', 'beta', 'gamma'])[1 + i % 3], json_build_object('i', i),
            queue_name => case when i % 7 = 0 then 'q1' end, max_attempts => 3)
     from generate_series($1::int, $2::int) i`,
    [from, from + count - 1],
  );
  // Jobs added a day ago (a failure is never dated before its job's last change, updated_at: see watch-apply).
  await pgdb.pool.query(
    `update graphile_worker._private_jobs j set updated_at = now() - interval '1 day'
     where j.id >= (select min(id) from graphile_worker._private_jobs) + $1::int - 1`,
    [from],
  );
  // Failed once or used up, at run_at spread over hours so the attempts fall into many 15-minute slots.
  await pgdb.pool.query(
    `update graphile_worker._private_jobs j set attempts = 1 + (j.id % 3),
            last_error = (array['Error code: 429 - quota', 'Request timeout after 300 seconds', 'JSONDecodeError: Expecting value',
                                'ECONNRESET'])[1 + j.id % 4],
            run_at = now() - (j.id % 40) * interval '17 minutes'
     where j.id % 4 = 1 and j.id >= (select min(id) from graphile_worker._private_jobs) + $1::int - 1`,
    [from],
  );
  await pgdb.pool.query(
    `update graphile_worker._private_jobs set locked_at = now(), locked_by = 'pool-test', attempts = 1
     where id % 50 = 3 and last_error is null`,
  );
}

test('the rollup after a first sync and a catch-up in small transactions equals the per-row trigger’s', async () => {
  await seedJobs(1, 3000);
  const db = openStore(path.join(dir, 'new.sqlite'));
  try {
    const watcher = watcherOf(pgdb.pool, db);
    const first = await watcher.scan();
    assert.ok(first.newAttempts > 500, `the first sync records the failures it sees (${first.newAttempts})`);
    assert.ok(first.changedBuckets > 8, 'more ranges than one transaction applies: the sync ran in several');
    const afterFirst = quarters(db);
    assert.ok(afterFirst.length > 20, 'attempts spread over many slots, tasks and types');
    assert.equal(
      afterFirst.reduce((n, q) => n + q.n, 0),
      (db.prepare('select count(*) as n from failure_attempts').get() as { n: number }).n,
      'every attempt counted once',
    );
    assert.deepEqual(afterFirst, rollupTheOldWay(db, 'old-1'));

    const { rows: seen } = await pgdb.pool.query<{ id: string }>('select max(id)::text as id from graphile_worker._private_jobs');
    // More changes: new jobs, failures of new attempts, jobs completed (deleted) and a permanently failed one removed.
    await seedJobs(3001, 1000);
    await pgdb.pool.query(
      `update graphile_worker._private_jobs set attempts = attempts + 1, last_error = 'Request timeout after 300 seconds (again)',
              run_at = now() - interval '2 hours'
       where id % 10 = 5 and attempts < max_attempts and locked_at is null`,
    );
    const { rowCount: completed } = await pgdb.pool.query(
      `delete from graphile_worker._private_jobs where id % 13 = 0 and last_error is null and locked_at is null and id <= $1`,
      [seen[0].id],
    );
    const second = await watcher.scan();
    assert.ok(second.newAttempts > 100, `the catch-up records the new failures (${second.newAttempts})`);
    assert.equal(second.successes, completed, 'every completed job the watcher had seen counted as a success');
    const successes = db.prepare(`select coalesce(sum(successes), 0) as n from success_minutes where connection_id = 'c1'`).get() as {
      n: number;
    };
    assert.equal(successes.n, completed, 'successes per minute hold each completed job once');
    assert.deepEqual(quarters(db), rollupTheOldWay(db, 'old-2'));

    // A scan with nothing new changes nothing.
    const third = await watcher.scan();
    assert.equal(third.newAttempts, 0);
    assert.deepEqual(quarters(db), rollupTheOldWay(db, 'old-3'));
  } finally {
    db.close();
  }
});

test('a data folder from before migration 014 keeps its rollup and goes on counting right', async () => {
  const file = path.join(dir, 'migrated.sqlite');
  const old = openStore(file, { migrations: BEFORE_014 });
  const now = Date.now();
  const insert = (db: Db, jobId: number, at: number, task: string, type: string) =>
    db
      .prepare(
        `insert into failure_attempts (connection_id, job_id, generation, task, attempt, at, error, error_type, source)
         values ('c1', ?, 0, ?, 1, ?, 'boom', ?, 'watch')`,
      )
      .run(jobId, task, at, type);
  for (let i = 1; i <= 300; i++) insert(old, i, now - i * 600_000, i % 2 ? 'alpha' : 'beta', i % 3 ? 'timeout' : 'rate_limit');
  // The old trigger also undid deleted rows: the rollup now is what it must keep.
  old.prepare('delete from failure_attempts where job_id % 10 = 0').run();
  const before014 = quarters(old);
  old.close();

  const db = openStore(file);
  try {
    assert.deepEqual(quarters(db), before014, 'migration 014 leaves the rollup as it was');
    const rollup = failureRollup(db);
    rollup.fold();
    assert.deepEqual(quarters(db), before014, 'nothing already counted is counted again');

    // New attempts (counted by the fold), one of them deleted before any fold (never counted), a reclassified one
    // (old row: the trigger moves it), and retention removing old rows (the trigger uncounts them).
    for (let i = 301; i <= 320; i++) insert(db, i, now - i * 60_000, 'gamma', 'network');
    db.prepare('delete from failure_attempts where job_id = 320').run();
    rollup.fold();
    insert(db, 321, now, 'gamma', 'network');
    db.prepare(`update failure_attempts set error_type = 'auth' where job_id in (1, 321)`).run();
    await enforceRetention(db, 1);
    rollup.fold();
    const expected = db
      .prepare(
        `select connection_id, at / 900000 as slot, task, error_type, count(*) as n from failure_attempts
         group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
      )
      .all();
    assert.deepEqual(quarters(db), expected, 'the rollup equals the attempts kept, grouped');
    assert.ok(
      (db.prepare(`select count(*) as n from failure_quarters where error_type = 'auth'`).get() as { n: number }).n >= 1,
      'the reclassified attempts moved',
    );
  } finally {
    db.close();
  }
});

/**
 * A first sync (nothing copied yet) reads every job in id order with each range's hash from the same statement,
 * without the hash pass: what it stores must be what the hash pass computes, or the next scan would read the
 * whole table again; and what it records must be what a range-by-range read records.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { startTestPostgres, testPool, type TestPostgres } from '../helpers/postgres.ts';
import { watcherOf } from '../helpers/watcher.ts';
import { openStore } from '../../src/engine/store/db.ts';
import { FIRST_SYNC_ROWS } from '../../src/engine/history/watch-scan.ts';

let pgdb: TestPostgres;
let dir: string;

before(async () => {
  pgdb = await startTestPostgres();
  dir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-first-sync-'));
});
after(async () => {
  await pgdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

const DENSE = 2 * FIRST_SYNC_ROWS.most + 500;
/** Every 100th id has failed once, the three far ones too. */
const FAILED = Math.floor(DENSE / 100) + 3;

test('a first sync reads every job in id order, stores the hash pass’s own hashes, and records what it saw', async () => {
  const q = (sql: string) => pgdb.pool.query(sql);
  await q(`insert into graphile_worker._private_tasks (identifier) values ('sync_a'), ('sync_b') on conflict do nothing`);
  // Dense ids (reads of FIRST_SYNC_ROWS end inside a range), then three far away (ranges with one job each).
  await q(
    `insert into graphile_worker._private_jobs (id, task_id, payload, attempts, max_attempts, last_error, locked_at, locked_by, run_at)
     overriding system value
     select i, (select id from graphile_worker._private_tasks where identifier = case when i % 2 = 0 then 'sync_a' else 'sync_b' end),
            '{}'::json, case when i % 100 = 0 then 1 else 0 end, 5,
            case when i % 100 = 0 then 'Error code: 429 - quota' end,
            case when i % 1000 = 1 then now() end, case when i % 1000 = 1 then 'pool-first-sync' end,
            -- A run_at set by hand to 'infinity': JSON has no such number, Postgres writes it as a string.
            case when i = 5000900 then 'infinity'::timestamptz else now() end
     from (select generate_series(1, ${DENSE}) union all select 5000000 + 300 * k from generate_series(1, 3) k) s(i)`,
  );
  const db = openStore(path.join(dir, 'first.sqlite'));
  try {
    const watcher = watcherOf(pgdb.pool, db);
    const first = await watcher.scan();
    assert.equal(first.detection, 'first-sync', 'no hash pass');
    assert.equal(first.detectMs, 0);
    assert.equal(first.jobs, DENSE + 3);
    assert.equal(first.buckets, Math.floor(DENSE / 128) + 1 + 3);
    assert.equal(first.newAttempts, FAILED, 'every visible failure recorded once');
    assert.equal(
      (
        db.prepare(`select count(*) as n from failure_attempts where connection_id = 'c1' and error_type = 'rate_limit'`).get() as {
          n: number;
        }
      ).n,
      FAILED,
    );
    assert.ok(watcher.seenPools().has('pool-first-sync'), 'the pool holding jobs is seen');
    const far = db.prepare(`select at from failure_attempts where connection_id = 'c1' and job_id = 5000900`).get() as {
      at: number;
    };
    assert.ok(
      Number.isInteger(far.at) && far.at <= Date.now() && far.at > Date.now() - 60_000,
      `an infinite run_at fails "now", not ${far.at}`,
    );
    const copied = (
      db
        .prepare(
          `select sum((select sum(json_array_length(t.value)) from json_each(jobs) t)) as n from watch_buckets where connection_id = 'c1'`,
        )
        .get() as { n: number }
    ).n;
    assert.equal(copied, DENSE + 3, 'every job copied, none twice (a cut range read again whole)');

    const second = await watcher.scan();
    assert.equal(second.detection, 'hash', 'the hash pass, now that a copy exists');
    assert.equal(second.changedBuckets, 0, 'the stored hashes are the hash pass’s');

    // Five jobs complete, three fail: only their ranges are read again.
    await q(`delete from graphile_worker._private_jobs where id in (2, 3, 4, 9000, 5000300)`);
    await q(
      `update graphile_worker._private_jobs set attempts = attempts + 1, last_error = 'Request timeout after 300 seconds',
         run_at = now() + interval '3 seconds' where id in (150, 12002, 5000600)`,
    );
    const third = await watcher.scan();
    assert.equal(third.detection, 'xmin', 'after a hash pass, changes are found by transaction ids');
    assert.equal(third.changedBuckets, 6, 'ranges 0, 1, 70, 93 and two of the far ones');
    assert.equal(third.successes, 5);
    assert.equal(third.newAttempts, 3);
    assert.equal(third.jobs, DENSE + 3 - 5);
  } finally {
    db.close();
  }
});

test('a watcher stopped as its pass begins reads nothing more: no read is left to fail unheard once the pool ends', async () => {
  await pgdb.pool.query(`insert into graphile_worker._private_tasks (identifier) values ('sync_stop') on conflict do nothing`);
  // Ids of their own: the test above set ids by hand, past the identity's sequence.
  await pgdb.pool.query(
    `insert into graphile_worker._private_jobs (id, task_id, payload) overriding system value
     select 7000000 + i, (select id from graphile_worker._private_tasks where identifier = 'sync_stop'), '{}'::json
     from generate_series(1, 10) i`,
  );
  const pool = testPool(pgdb.connectionString);
  // The console's stop as CI once met it: the session's pool ends while the pass is between its first query and its
  // first read. A read begun then waited for a connection that never came and failed 5 s later, with nobody to hear it.
  const ending = new Proxy(pool, {
    get(target, prop) {
      if (prop !== 'query') return Reflect.get(target, prop, target) as unknown;
      return async (...args: Parameters<pg.Pool['query']>) => {
        const result = await (target.query as (...a: unknown[]) => Promise<unknown>)(...args);
        if (String(args[0]).includes('min(id)')) void target.end();
        return result;
      };
    },
  });
  const unheard: unknown[] = [];
  const onUnhandled = (reason: unknown) => unheard.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const db = openStore(path.join(dir, 'stopped.sqlite'));
  try {
    const watcher = watcherOf(ending, db);
    const scanning = watcher.scan();
    await watcher.stop();
    const report = await scanning;
    assert.equal(report.detection, 'first-sync');
    assert.equal(report.newAttempts + report.successes, 0, 'nothing applied after the stop');
    // A rejection is reported as unhandled once the microtasks after it have run: give it a few turns.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      unheard.map((e) => String(e)),
      [],
    );
  } finally {
    process.off('unhandledRejection', onUnhandled);
    db.close();
    await pool.end().catch(() => {});
  }
});

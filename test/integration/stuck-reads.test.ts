/**
 * The Stuck report reads no pass of its own over the jobs: locks and due jobs come from the monitor's count, the
 * failed groups are read again only when the count's fingerprint of the failed jobs moves, and the first jobs
 * behind a blocked queue only when what waits behind it changes. These tests hold each piece to what the tables say.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueryResultRow } from 'pg';
import { Logger, runOnce } from 'graphile-worker';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { countJobs } from '../../src/engine/monitor/count-query.ts';
import type { Counted } from '../../src/engine/monitor/monitor.ts';
import { StuckReads } from '../../src/engine/stuck/table-reads.ts';

let db: TestPostgres;
const q = <R extends QueryResultRow>(sql: string, params: unknown[] = []) => db.pool.query<R>(sql, params).then((r) => r.rows);

before(async () => {
  db = await startTestPostgres();
});
after(async () => {
  await db?.close();
});

async function counted(): Promise<Counted> {
  const startedAt = Date.now();
  return { result: await countJobs(db.pool), startedAt, endedAt: Date.now(), asOf: startedAt };
}
const add = (task: string, key: string, queue: string | null = null, extra = '') =>
  q(`select graphile_worker.add_job($1, '{}'::json, queue_name => $2, job_key => $3 ${extra})`, [task, queue, key]);
const failForGood = (key: string, message: string) =>
  q(
    `update graphile_worker._private_jobs set attempts = max_attempts, last_error = $2, run_at = now() + interval '1 hour' where key = $1`,
    [key, message],
  );
const never = () => false;

test('the count carries every locked job and the due jobs per task and queue; its fingerprint moves with the failed jobs', async () => {
  await add('sr_run', 'run-1');
  await add('sr_run', 'run-2', 'sr_q');
  await add('sr_due', 'due-1');
  await add('sr_due', 'due-2');
  await add('sr_due', 'due-3', 'sr_q');
  await add('sr_fail', 'fail-1');
  await add('sr_fail', 'fail-2');
  await q(`update graphile_worker._private_jobs set locked_by = 'pool-a', locked_at = now() - interval '1 minute', attempts = 1
           where key in ('run-1', 'run-2')`);
  await failForGood('fail-1', 'RateLimitError: 429');

  const first = await counted();
  const ids = await q<{ key: string; id: string }>(`select key, id::text from graphile_worker._private_jobs`);
  const idOf = (key: string) => ids.find((r) => r.key === key)!.id;
  const locked = first.result.stuck.locked.filter((j) => j.task === 'sr_run');
  assert.deepEqual(locked.map((j) => [j.id, j.queue, j.lockedBy, j.attempts]).sort(), [
    [idOf('run-1'), null, 'pool-a', 1],
    [idOf('run-2'), 'sr_q', 'pool-a', 1],
  ]);
  assert.ok(Math.abs(first.result.dbNow! - locked[0].lockedAt - 60_000) < 5_000, 'locked a minute before the count');
  const due = first.result.stuck.due.filter((g) => g.task === 'sr_due').map((g) => [g.queue, g.due]);
  assert.deepEqual(due.sort(), [
    [null, 2],
    ['sr_q', 1],
  ]);

  assert.equal((await counted()).result.stuck.failedPrint, first.result.stuck.failedPrint, 'nothing changed: the same print');
  await failForGood('fail-2', 'Timeout');
  const second = await counted();
  assert.notEqual(second.result.stuck.failedPrint, first.result.stuck.failedPrint, 'a job failed for good');
  // Failed again after a retry: the same job, the same count, a new message (graphile-worker moves run_at).
  await q(`update graphile_worker._private_jobs set run_at = now() + interval '2 hours', last_error = 'parse error' where key = 'fail-2'`);
  const third = await counted();
  assert.notEqual(third.result.stuck.failedPrint, second.result.stuck.failedPrint, 'the same job failed again');
  await q(`delete from graphile_worker._private_jobs where key = 'fail-1'`);
  assert.notEqual((await counted()).result.stuck.failedPrint, third.result.stuck.failedPrint, 'a failed job left');
  await q(`delete from graphile_worker._private_jobs`);
});

test('failed groups are read again when the fingerprint moves, a blocked queue’s first jobs when what waits behind it does', async () => {
  await add('sr_fail', 'g-1');
  await failForGood('g-1', 'RateLimitError: 429 You exceeded your current quota');
  await add('sr_q_task', 'held', 'sr_blocked');
  await add('sr_q_task', 'w-1', 'sr_blocked');
  await add('sr_q_task', 'w-2', 'sr_blocked');
  await q(
    `update graphile_worker._private_jobs set locked_by = 'pool-gone', locked_at = now() - interval '1 hour', attempts = 1 where key = 'held'`,
  );
  await q(
    `update graphile_worker._private_job_queues set locked_by = 'pool-gone', locked_at = now() - interval '1 hour' where queue_name = 'sr_blocked'`,
  );

  const reads = new StuckReads();
  const before = await counted();
  const first = await reads.from(db.pool, before, never);
  assert.deepEqual(
    first.failed.map((f) => [f.task, f.n, f.head]),
    [['sr_fail', 1, 'RateLimitError: 429 You exceeded your current quota']],
  );
  const queue = first.queues.find((x) => x.queue === 'sr_blocked')!;
  assert.deepEqual([queue.locked_by, queue.waiting], ['pool-gone', 2]);
  assert.deepEqual(
    first.pools.map((p) => [p.pool_id, p.jobs, p.queues]),
    [['pool-gone', 1, 1]],
  );
  const waiting = await first.firstWaiting(first.queues);
  assert.equal(waiting.get('sr_blocked')!.length, 2);

  // A new permanent failure and a job put ahead of the others in the blocked queue, by another process.
  await add('sr_fail', 'g-2');
  await failForGood('g-2', 'ValidationError: output did not parse');
  await add('sr_q_task', 'w-first', 'sr_blocked', ', priority => -5');
  // Read with the count from before: it vouches the failed jobs and the queue unchanged, so neither is read again.
  const reused = await reads.from(db.pool, before, never);
  assert.equal(reused.failed.length, 1, 'the failed groups of the earlier read');
  assert.equal((await reused.firstWaiting(reused.queues)).get('sr_blocked')!.length, 2, 'the earlier sample');
  // The next count sees both changes: both are read again.
  const now = await reads.from(db.pool, await counted(), never);
  assert.deepEqual(now.failed.map((f) => f.head).sort(), [
    'RateLimitError: 429 You exceeded your current quota',
    'ValidationError: output did not parse',
  ]);
  const blocked = now.queues.find((x) => x.queue === 'sr_blocked')!;
  assert.equal(blocked.waiting, 3);
  const sample = (await now.firstWaiting(now.queues)).get('sr_blocked')!;
  const first3 = await q<{ id: string }>(`select id::text from graphile_worker._private_jobs where key = 'w-first'`);
  assert.deepEqual([sample.length, sample[0].id], [3, first3[0].id], 'the job put ahead comes first, as graphile-worker would take it');
  await q(`delete from graphile_worker._private_jobs`);
  await q(`update graphile_worker._private_job_queues set locked_at = null, locked_by = null`);
});

test('jobs that graphile-worker fails for good are followed from the counts; a failed job that leaves makes the groups read again', async () => {
  const reads = new StuckReads();
  await add('sr_boom', 'boom-1', null, ', max_attempts => 1');
  const runFailing = () =>
    runOnce({
      connectionString: db.connectionString,
      taskList: {
        sr_boom: (payload) => {
          throw new Error(`Error code: 429 - quota (${(payload as { n?: number }).n ?? 1})`);
        },
      },
      logger: new Logger(() => () => {}),
    });
  await runFailing();
  const first = await counted();
  assert.deepEqual(
    first.result.stuck.recentFailures.map((f) => [f.task, f.head]),
    [['sr_boom', 'Error code: 429 - quota (1)']],
    "graphile-worker's own failure is listed as recent (its run_at rule)",
  );
  assert.deepEqual(
    (await reads.from(db.pool, first, never)).failed.map((f) => [f.head, f.n]),
    [['Error code: 429 - quota (1)', 1]],
  );

  await q(`select graphile_worker.add_job('sr_boom', '{"n": 2}'::json, job_key => 'boom-2', max_attempts => 1)`);
  await runFailing();
  const second = await counted();
  // An edit after the count that only a full read would see: the report must follow the count instead.
  await q(`update graphile_worker._private_jobs set last_error = 'edited by hand' where key = 'boom-1'`);
  assert.deepEqual((await reads.from(db.pool, second, never)).failed.map((f) => [f.head, f.n]).sort(), [
    ['Error code: 429 - quota (1)', 1],
    ['Error code: 429 - quota (2)', 1],
  ]);

  // A failed job deleted: the counts go down, which no list of new failures explains; the groups are read again.
  await q(`delete from graphile_worker._private_jobs where key = 'boom-2'`);
  assert.deepEqual(
    (await reads.from(db.pool, await counted(), never)).failed.map((f) => [f.head, f.n]),
    [['edited by hand', 1]],
  );
  await q(`delete from graphile_worker._private_jobs`);
});

test('a job that fails again is followed though its run_at is not the latest, and so are failures long after the last change', async () => {
  const reads = new StuckReads();
  let fullReads = 0;
  const spy = {
    query: (...args: Parameters<typeof db.pool.query>) => {
      if (String(args[0]).includes('as ids')) fullReads++;
      return db.pool.query(...args);
    },
  } as unknown as typeof db.pool;
  const failing = (n: number) =>
    runOnce({
      connectionString: db.connectionString,
      taskList: {
        sr_again: () => {
          throw new Error(`err ${n}`);
        },
      },
      logger: new Logger(() => () => {}),
    });
  // A job out of 25 attempts: graphile-worker pushed its run_at about 6 h ahead, the latest of the group.
  await add('sr_again', 'again-old');
  await q(
    `update graphile_worker._private_jobs set attempts = 25, last_error = 'old', run_at = now() + interval '6 hours' where key = 'again-old'`,
  );
  await add('sr_again', 'again-b', null, ', max_attempts => 1');
  await failing(1);
  await reads.from(spy, await counted(), never);
  assert.equal(fullReads, 1);

  // 25 s later (by the counts' clock), nothing changed: the groups still hold, as of that count.
  const quiet = await counted();
  quiet.startedAt += 25_000;
  await reads.from(spy, quiet, never);
  // Then the job is retried and fails again with another message, its run_at well before the group's latest.
  await q(`update graphile_worker._private_jobs set attempts = 0, run_at = now() where key = 'again-b'`);
  await failing(2);
  const next = await counted();
  next.startedAt += 40_000;
  const heads = (await reads.from(spy, next, never)).failed.map((f) => [f.head, f.n]).sort();
  assert.deepEqual(heads, [
    ['err 2', 1],
    ['old', 1],
  ]);
  assert.equal(fullReads, 1, 'followed from the count, not read again');
  await q(`delete from graphile_worker._private_jobs`);
});

test('a storm of failures is not listed whole with every count: the report reads the failed jobs itself', async () => {
  const reads = new StuckReads();
  await reads.from(db.pool, await counted(), never);
  await q(`select graphile_worker.add_job('sr_storm', '{}'::json) from generate_series(1, 2001)`);
  await q(`update graphile_worker._private_jobs set attempts = max_attempts, last_error = 'Timeout',
           run_at = greatest(now(), run_at) + exp(least(max_attempts, 10)) * interval '1 second'`);
  const storm = await counted();
  assert.equal(storm.result.stuck.recentFailures.length, 2000);
  assert.equal(storm.result.stuck.recentFailuresComplete, false);
  assert.deepEqual(
    (await reads.from(db.pool, storm, never)).failed.map((f) => [f.task, f.head, f.n]),
    [['sr_storm', 'Timeout', 2001]],
  );
  await q(`delete from graphile_worker._private_jobs`);
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startCompanionWorker, waitFor, type CompanionChild } from '../fixtures/companion-kit/child.ts';
import { DURATION_BUCKET_BOUNDS_MS } from '../../src/worker/histogram.ts';

// Retention: attempts older than retentionDays (and rollups older than rollupRetentionDays) are deleted in
// bounded batches by whichever worker holds the advisory lock; recent rows stay.

let db: TestPostgres;
const children: CompanionChild[] = [];

before(async () => {
  db = await startTestPostgres();
});

after(async () => {
  for (const c of children) await c.stop();
  await db?.close();
});

test('old attempts, rollups, requests and pools go in batches; recent ones stay', async () => {
  // The first worker creates the schema (retention off); then old history is planted.
  const first = await startCompanionWorker({ connectionString: db.connectionString, jobdeck: { retentionIntervalMs: 0 } });
  children.push(first);
  await waitFor(
    'schema',
    async () => (await db.pool.query<{ t: string | null }>(`select to_regclass('jobdeck.task_minutes') as t`)).rows[0].t,
  );
  await db.pool.query(`
    insert into jobdeck.attempts (job_id, task, attempt, max_attempts, started_at, finished_at, duration_ms, outcome, pool_id)
    select g, 'old_task', 1, 1, now() - interval '20 days', now() - interval '20 days' + g * interval '1 ms', 1, 'success', 'pool-old'
    from generate_series(1, 12000) g;
    insert into jobdeck.attempts (job_id, task, attempt, max_attempts, started_at, finished_at, duration_ms, outcome, pool_id)
    select g, 'recent_task', 1, 1, now() - interval '1 day', now() - interval '1 day', 1, 'success', 'pool-old'
    from generate_series(1, 50) g;
    insert into jobdeck.task_minutes (minute, task, shard, attempts, successes, failures, cancelled, duration_sum_ms, duration_max_ms, duration_buckets)
    values (date_trunc('minute', now() - interval '100 days'), 'old_task', 0, 1, 1, 0, 0, 1, 1, '{1}'),
           (date_trunc('minute', now() - interval '20 days'), 'old_task', 0, 1, 1, 0, 0, 1, 1, '{1}');
    insert into jobdeck.cancel_requests (job_id, requested_at) values (1, now() - interval '20 days'), (2, now());
    insert into jobdeck.workers (pool_id, host, pid, concurrency, heartbeat_interval_ms, started_at, last_heartbeat_at, stopped_at)
    values ('pool-ancient', 'h', 1, 1, 5000, now() - interval '30 days', now() - interval '30 days', now() - interval '30 days');
  `);
  // Two workers with retention on: whichever gets the lock does the work, in batches of 5,000.
  for (let i = 0; i < 2; i++) {
    children.push(
      await startCompanionWorker({
        connectionString: db.connectionString,
        jobdeck: { retentionIntervalMs: 500, retentionBatchSize: 5_000, heartbeatIntervalMs: 300 },
      }),
    );
  }
  await waitFor(
    'old attempts deleted',
    async () => {
      const { rows } = await db.pool.query<{ n: number }>(`select count(*)::int as n from jobdeck.attempts where task = 'old_task'`);
      return rows[0].n === 0;
    },
    90_000,
  );
  const { rows: recent } = await db.pool.query<{ n: number }>(`select count(*)::int as n from jobdeck.attempts where task = 'recent_task'`);
  assert.equal(recent[0].n, 50);
  await waitFor('the rest of retention', async () => {
    const { rows } = await db.pool.query<{ minutes: number; requests: number; ancient: number }>(`
      select (select count(*) from jobdeck.task_minutes where task = 'old_task')::int as minutes,
             (select count(*) from jobdeck.cancel_requests)::int as requests,
             (select count(*) from jobdeck.workers where pool_id = 'pool-ancient')::int as ancient`);
    return rows[0].minutes === 1 && rows[0].requests === 1 && rows[0].ancient === 0;
  });
  // Rollups are kept longer than attempts (90 days by default): the 20-day-old minute stays.
  const { rows: minutes } = await db.pool.query(
    `select minute > now() - interval '30 days' as recent from jobdeck.task_minutes where task = 'old_task'`,
  );
  assert.deepEqual(minutes, [{ recent: true }]);
  // The live pools are untouched (all three rows present once each has sent its first heartbeat).
  await waitFor('three live pools', async () => {
    const { rows } = await db.pool.query<{ n: number }>(`select count(*)::int as n from jobdeck.workers where stopped_at is null`);
    return rows[0].n === 3;
  });
});

test('the bucket bounds stored in the schema are the ones the companion uses', async () => {
  const { rows } = await db.pool.query<{ b: number[] }>(`select jobdeck.duration_bucket_bounds_ms() as b`);
  assert.deepEqual(rows[0].b, [...DURATION_BUCKET_BOUNDS_MS]);
});

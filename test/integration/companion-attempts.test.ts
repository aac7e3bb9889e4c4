import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startCompanionWorker, waitFor, type CompanionChild } from '../fixtures/companion-kit/child.ts';
import { DURATION_BUCKET_COUNT } from '../../src/worker/histogram.ts';

// A separate graphile-worker process with `preset: { extends: [JobdeckPreset] }` against a real Postgres:
// every attempt lands in jobdeck.attempts (in batches), with rollups per task and minute and a NOTIFY.

let db: TestPostgres;
let child: CompanionChild | null = null;
let dirChild: CompanionChild | null = null;
let listener: pg.Client;
const notified: string[] = [];

before(async () => {
  db = await startTestPostgres();
  child = await startCompanionWorker({ connectionString: db.connectionString, jobdeck: { heartbeatIntervalMs: 500 } });
  await waitFor(
    'the jobdeck schema',
    async () => (await db.pool.query<{ t: string | null }>(`select to_regclass('jobdeck.attempts') as t`)).rows[0].t,
  );
  listener = new pg.Client(db.connectionString);
  await listener.connect();
  listener.on('notification', (m) => {
    if (m.channel === 'jobdeck:attempts' && m.payload) notified.push(m.payload);
  });
  await listener.query('listen "jobdeck:attempts"');
});

after(async () => {
  await child?.stop();
  await dirChild?.stop();
  await listener?.end();
  await db?.close();
});

interface AttemptRow {
  id: string;
  job_id: string;
  task: string;
  attempt: number;
  max_attempts: number;
  outcome: string;
  error: string | null;
  duration_ms: number;
  pool_id: string;
  started_at: Date;
  finished_at: Date;
  job_key: string | null;
}

async function attempts(where: string, params: unknown[] = []): Promise<AttemptRow[]> {
  const { rows } = await db.pool.query<AttemptRow>(`select * from jobdeck.attempts where ${where} order by id`, params);
  return rows;
}

test('a job failing three times in a row: three attempts, each with its own error', async () => {
  const {
    rows: [job],
  } = await db.pool.query<{ id: string }>(
    `select id from graphile_worker.add_job('cd_fail', '{"message": "boom"}'::json, max_attempts => 3, job_key => 'thrice')`,
  );
  // graphile-worker waits ~2.7 s then ~7.4 s before retries: bring each retry forward as soon as the job is free.
  const rows = await waitFor(
    'three failed attempts',
    async () => {
      await db.pool.query(
        `select graphile_worker.reschedule_jobs(array[id], run_at => now())
         from graphile_worker.jobs where id = $1 and locked_at is null and attempts < max_attempts and run_at > now()`,
        [job.id],
      );
      const r = await attempts('job_id = $1', [job.id]);
      return r.length >= 3 ? r : null;
    },
    60_000,
    50,
  );
  assert.equal(rows.length, 3);
  assert.deepEqual(
    rows.map((r) => [r.attempt, r.max_attempts, r.outcome, r.error, r.task, r.job_key]),
    [
      [1, 3, 'failure', 'boom #1', 'cd_fail', 'thrice'],
      [2, 3, 'failure', 'boom #2', 'cd_fail', 'thrice'],
      [3, 3, 'failure', 'boom #3', 'cd_fail', 'thrice'],
    ],
  );
  assert.ok(rows.every((r) => r.pool_id === child!.poolId));
  assert.ok(rows.every((r) => r.finished_at >= r.started_at && r.duration_ms >= 0));
  // graphile-worker's own row is untouched by the companion: permanently failed, last error only.
  const { rows: jobRows } = await db.pool.query<{ attempts: number; last_error: string }>(
    `select attempts, last_error from graphile_worker.jobs where id = $1`,
    [job.id],
  );
  assert.deepEqual(jobRows, [{ attempts: 3, last_error: 'boom #3' }]);
});

test('twenty quick jobs: twenty successes with durations, batched, rolled up per minute, announced', async () => {
  await db.pool.query(`select graphile_worker.add_job('cd_sleep', '{"ms": 5}'::json) from generate_series(1, 20)`);
  const rows = await waitFor('20 successes', async () => {
    const r = await attempts(`task = 'cd_sleep'`);
    return r.length >= 20 ? r : null;
  });
  assert.equal(rows.length, 20);
  assert.equal(new Set(rows.map((r) => r.job_id)).size, 20, 'one attempt per job');
  assert.ok(rows.every((r) => r.outcome === 'success' && r.error === null && r.attempt === 1));
  assert.ok(
    rows.every((r) => r.duration_ms >= 4),
    'each duration covers the 5 ms the task slept',
  );
  // The companion writes on job:success, which graphile-worker emits before its own (batched) completion commits:
  // the jobs leave the queue a moment after their attempts are recorded.
  await waitFor('all jobs completed', async () => {
    const { rows: left } = await db.pool.query<{ n: number }>(
      `select count(*)::int as n from graphile_worker.jobs where task_identifier = 'cd_sleep'`,
    );
    return left[0].n === 0;
  });

  // Rows of one INSERT share a transaction id: fewer transactions than jobs means batches, not a write per job.
  const { rows: tx } = await db.pool.query<{ n: number }>(
    `select count(distinct xmin::text)::int as n from jobdeck.attempts where task = 'cd_sleep'`,
  );
  assert.ok(tx[0].n < 20, `${tx[0].n} write transactions for 20 attempts`);

  const roll = await waitFor('the rollup', async () => {
    const { rows: r } = await db.pool.query<{
      attempts: number;
      successes: number;
      failures: number;
      sum_ms: number;
      max_ms: number;
      buckets: number[][];
    }>(
      `select sum(attempts)::int as attempts, sum(successes)::int as successes, sum(failures)::int as failures,
              sum(duration_sum_ms) as sum_ms, max(duration_max_ms) as max_ms,
              array_agg(duration_buckets) as buckets
       from jobdeck.task_minutes where task = 'cd_sleep'`,
    );
    return r[0].attempts === 20 ? r[0] : null;
  });
  assert.equal(roll.successes, 20);
  assert.equal(roll.failures, 0);
  const total = rows.reduce((a, r) => a + r.duration_ms, 0);
  assert.ok(Math.abs(roll.sum_ms - total) < 1e-6, 'rollup durations add up to the attempts');
  assert.equal(roll.max_ms, Math.max(...rows.map((r) => r.duration_ms)));
  const buckets = roll.buckets.reduce((acc, b) => acc.map((x, i) => x + b[i]), new Array<number>(DURATION_BUCKET_COUNT).fill(0));
  assert.equal(
    buckets.reduce((a: number, b: number) => a + b, 0),
    20,
    'every attempt in one duration bucket',
  );

  const { rows: max } = await db.pool.query<{ id: string }>(`select max(id)::text as id from jobdeck.attempts`);
  await waitFor('NOTIFY jobdeck:attempts with the max id', () => notified.includes(max[0].id));
});

test('a task directory works the same way (handlers loaded from files are wrapped too)', async () => {
  dirChild = await startCompanionWorker({ connectionString: db.connectionString, mode: 'dir', jobdeck: { heartbeatIntervalMs: 500 } });
  await db.pool.query(`select graphile_worker.add_job('cd_usage', $1::json, queue_name => 'dir-queue')`, [
    JSON.stringify({ als: true, calls: [{ model: 'm-dir', inputTokens: 3, outputTokens: 4 }] }),
  ]);
  const [row] = await waitFor('the attempt from the task directory', async () => {
    const r = await db.pool.query<AttemptRow & { queue: string | null; model: string | null; input_tokens: string; output_tokens: string }>(
      `select * from jobdeck.attempts where task = 'cd_usage'`,
    );
    return r.rows.length ? r.rows : null;
  });
  assert.ok([child!.poolId, dirChild.poolId].includes(row.pool_id));
  assert.equal(row.outcome, 'success');
  assert.equal(row.queue, 'dir-queue');
  // recordUsage() found the job through AsyncLocalStorage: only possible if the file's handler was wrapped.
  assert.deepEqual([row.model, row.input_tokens, row.output_tokens], ['m-dir', '3', '4']);
});

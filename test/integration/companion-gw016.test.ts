import { after, before, test } from 'node:test';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startCompanionWorker, waitFor, type CompanionChild } from '../fixtures/companion-kit/child.ts';

// The companion with graphile-worker 0.16 (events without `ctx`, locked_by = worker ids, no middleware), installed
// beside 0.17 as the dev dependency `graphile-worker-016` (npm:graphile-worker@0.16.6).
// JOBDECK_GRAPHILE_WORKER_016 may point at another 0.16 build (its dist/index.js).
const gw016 = process.env.JOBDECK_GRAPHILE_WORKER_016 ?? createRequire(import.meta.url).resolve('graphile-worker-016');
let db: TestPostgres;
let child: CompanionChild;

before(async () => {
  // 0.16 migrates its own schema (a database migrated by 0.17 is newer than it accepts).
  db = await startTestPostgres({ migrate: false });
  child = await startCompanionWorker({
    connectionString: db.connectionString,
    graphileWorkerPath: gw016,
    // AsyncLocalStorage from the first job: the usage below is found through it while the failing job runs beside.
    jobdeck: { heartbeatIntervalMs: 300, cancelTimeoutMs: 1_000, asyncContext: true },
  });
});

after(async () => {
  await child?.stop();
  await db?.close();
});

test('graphile-worker 0.16: attempts, worker ids for locked_by, cancel, clean stop', async () => {
  await db.pool.query(`select graphile_worker.add_job('cd_fail', '{"message": "old"}'::json, max_attempts => 1)`);
  await db.pool.query(`select graphile_worker.add_job('cd_usage', $1::json)`, [
    JSON.stringify({ als: true, calls: [{ model: 'm16', inputTokens: 2, outputTokens: 1 }] }),
  ]);
  const rows = await waitFor('two attempts', async () => {
    const { rows: r } = await db.pool.query<{ task: string; outcome: string; error: string | null; model: string | null }>(
      `select task, outcome, error, model from jobdeck.attempts order by id`,
    );
    return r.length >= 2 ? r : null;
  });
  assert.deepEqual(rows.map((r) => [r.task, r.outcome, r.error, r.model]).sort(), [
    ['cd_fail', 'failure', 'old #1', null],
    ['cd_usage', 'success', null, 'm16'],
  ]);
  const worker = await waitFor(
    'the pool row',
    async () => (await db.pool.query<{ graphile_worker_version: string; worker_ids: string[] }>(`select * from jobdeck.workers`)).rows[0],
  );
  assert.match(worker.graphile_worker_version, /^0\.16\./);

  // 0.16 writes the worker id (not the pool id) to locked_by: it is listed in worker_ids.
  const {
    rows: [job],
  } = await db.pool.query<{ id: string }>(`select id from graphile_worker.add_job('cd_wait_abort', '{}'::json)`);
  const lockedBy = await waitFor(
    'running',
    async () =>
      (
        await db.pool.query<{ locked_by: string }>(`select locked_by from graphile_worker.jobs where id = $1 and locked_at is not null`, [
          job.id,
        ])
      ).rows[0]?.locked_by,
  );
  assert.ok(worker.worker_ids.includes(lockedBy), `${lockedBy} in ${worker.worker_ids.join()}`);
  await db.pool.query(`insert into jobdeck.cancel_requests (job_id) values ($1)`, [job.id]);
  await db.pool.query(`select pg_notify('jobdeck:cancel', $1::text)`, [job.id]);
  await waitFor(
    'cancelled',
    async () =>
      (await db.pool.query<{ outcome: string }>(`select outcome from jobdeck.attempts where job_id = $1`, [job.id])).rows[0]?.outcome ===
      'cancelled',
  );
  // A cancelled task ends as a success to graphile-worker, whose completion commits a moment after the attempt is
  // recorded: the job leaves the queue (a retry would keep it there, and this wait would time out).
  await waitFor('the job completed, not retried', async () => {
    const { rows: left } = await db.pool.query(`select 1 from graphile_worker.jobs where id = $1`, [job.id]);
    return left.length === 0;
  });

  await child.stop();
  const { rows: stopped } = await db.pool.query<{ stopped_at: Date | null }>(`select stopped_at from jobdeck.workers`);
  assert.ok(stopped[0].stopped_at instanceof Date);
});

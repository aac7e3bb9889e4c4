import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { profileIdForUrl } from '../../src/engine/pg/connection-string.ts';
import type { OverviewSnapshot, TroubleItem } from '../../src/shared/model/overview.ts';
import { printSchemaSql } from '../../src/worker/schema.ts';

let db: TestPostgres;
let te: TestEngine;
const q = (sql: string) => db.pool.query(sql);
const MIN = 60_000;

before(async () => {
  db = await startTestPostgres();
  te = await startTestEngine({ databaseUrl: db.connectionString, runner: false, depthSampleMs: 500 });
});
after(async () => {
  await te?.close();
  await db?.close();
});

/** Jobs with known timings, as workers and time would leave them (each task's name is its own, for this test). */
async function seed(): Promise<void> {
  // Ready for 10 minutes, 3 without a queue and 2 in the named queue `lane`.
  await q(`select graphile_worker.add_job('tr_ready', '{}'::json, run_at => now() - interval '10 minutes') from generate_series(1, 3)`);
  await q(
    `select graphile_worker.add_job('tr_ready', '{}'::json, queue_name => 'lane', run_at => now() - interval '3 minutes') from generate_series(1, 2)`,
  );
  // Retries: two due two minutes ago, one due in ten minutes.
  await q(`select graphile_worker.add_job('tr_retry', '{}'::json, job_key => 'due-' || i) from generate_series(1, 2) i`);
  await q(
    `update graphile_worker._private_jobs set attempts = 1, last_error = 'boom', run_at = now() - interval '2 minutes' where key like 'due-%'`,
  );
  await q(`select graphile_worker.add_job('tr_retry', '{}'::json, job_key => 'later')`);
  await q(
    `update graphile_worker._private_jobs set attempts = 1, last_error = 'boom', run_at = now() + interval '10 minutes' where key = 'later'`,
  );
  // Two jobs taken 40 minutes ago by a pool that is gone (no companion, no lock since: judged gone), after
  // waiting 5 minutes; its named queue is held too, with one job behind it.
  await q(
    `select graphile_worker.add_job('tr_held', '{}'::json, job_key => 'held-' || i, run_at => now() - interval '45 minutes') from generate_series(1, 2) i`,
  );
  await q(
    `update graphile_worker._private_jobs set locked_by = 'pool-90ne0001', attempts = 1, locked_at = now() - interval '40 minutes',
            run_at = now() - interval '45 minutes' where key like 'held-%'`,
  );
  await q(
    `select graphile_worker.add_job('tr_held', '{}'::json, queue_name => 'blocked-q', job_key => 'behind', run_at => now() - interval '1 minute')`,
  );
  await q(`select graphile_worker.add_job('tr_held', '{}'::json, queue_name => 'blocked-q', job_key => 'front')`);
  await q(
    `update graphile_worker._private_jobs set locked_by = 'pool-90ne0001', attempts = 1, locked_at = now() - interval '40 minutes',
            run_at = now() - interval '41 minutes' where key = 'front'`,
  );
  await q(
    `update graphile_worker._private_job_queues set locked_by = 'pool-90ne0001', locked_at = now() - interval '40 minutes' where queue_name = 'blocked-q'`,
  );
  // A job taken two seconds ago by a pool that took it after a one-minute wait: judged alive, so Running.
  await q(`select graphile_worker.add_job('tr_live', '{}'::json, job_key => 'live')`);
  await q(
    `update graphile_worker._private_jobs set locked_by = 'pool-a11ve001', attempts = 1, locked_at = now() - interval '2 seconds',
            run_at = now() - interval '62 seconds' where key = 'live'`,
  );
  // Permanently failed.
  await q(`select graphile_worker.add_job('tr_dead', '{}'::json, max_attempts => 1, job_key => 'dead')`);
  await q(`update graphile_worker._private_jobs set attempts = 1, last_error = 'gave up' where key = 'dead'`);
}

/** Seeds once, for whichever test runs first (each runs alone too). */
let seeded: Promise<void> | null = null;
const seedOnce = () => (seeded ??= seed());

/** A snapshot counted after now that carries a trouble summary read after now too. */
const fresh = async (ready: (s: OverviewSnapshot) => boolean = () => true): Promise<OverviewSnapshot> => {
  const since = Date.now();
  return waitFor(
    'a fresh snapshot with its trouble summary',
    async () => {
      const s = await te.call('overview.get');
      return s && Date.parse(s.at) > since && s.trouble && Date.parse(s.trouble.at) > since && ready(s) ? s : null;
    },
    30_000,
  );
};

test('precise states, queue latency and the Running split, against jobs with known timings', async () => {
  await seedOnce();
  const snap = await fresh();
  const task = Object.fromEntries(snap.byTask.map((t) => [t.task, t]));

  // Due retries are due: counted apart within retrying, so the overview shows them in Ready.
  assert.equal(task.tr_retry.retrying, 3);
  assert.equal(task.tr_retry.dueRetries, 2);
  assert.ok(task.tr_retry.oldestDueMs! >= 2 * MIN && task.tr_retry.oldestDueMs! < 3 * MIN, `oldest due retry ${task.tr_retry.oldestDueMs}`);
  assert.equal(snap.totals.dueRetries, 2);

  // The oldest due job of a task and of a queue, by the database's clock.
  assert.ok(task.tr_ready.oldestDueMs! >= 10 * MIN && task.tr_ready.oldestDueMs! < 11 * MIN, `oldest due ${task.tr_ready.oldestDueMs}`);
  const lane = snap.byQueue.find((x) => x.queue === 'lane')!;
  assert.ok(lane.oldestDueMs! >= 3 * MIN && lane.oldestDueMs! < 4 * MIN, `lane oldest due ${lane.oldestDueMs}`);
  assert.equal(task.tr_dead.oldestDueMs, null, 'a permanently failed job is not due');
  assert.ok(snap.totals.oldestDueMs! >= 10 * MIN);

  // Jobs held by the gone pool are counted apart; the one the live pool holds is Running.
  assert.equal(task.tr_held.running, 3);
  assert.equal(task.tr_held.heldByGone, 3);
  assert.equal(task.tr_live.running, 1);
  assert.equal(task.tr_live.heldByGone, 0);
  assert.equal(snap.totals.heldByGone, 3);
  assert.deepEqual(snap.trouble!.gonePools, ['pool-90ne0001']);

  // Waits of the takes seen (start minus run_at): 5 min twice and 1 min for tr_held, 60 s for tr_live.
  assert.deepEqual(task.tr_held.wait && { samples: task.tr_held.wait.samples, p50: task.tr_held.wait.p50Ms }, { samples: 3, p50: 5 * MIN });
  assert.equal(task.tr_held.wait!.p95Ms, 5 * MIN);
  assert.equal(task.tr_live.wait!.p50Ms, 60_000);
  assert.equal(snap.byQueue.find((x) => x.queue === 'blocked-q')!.wait!.p50Ms, MIN);
  assert.equal(snap.totals.wait!.samples, 4);
  assert.equal(task.tr_ready.wait ?? null, null, 'nothing of tr_ready was taken');

  // The same takes are not counted again by later counts.
  const later = await fresh();
  assert.equal(later.totals.wait!.samples, 4);
});

test('the trouble summary lists each problem with its count and the list behind it', async () => {
  await seedOnce();
  const snap = await fresh();
  const trouble = snap.trouble!;
  const kinds = (kind: string) => trouble.items.filter((i) => i.kind === kind);

  const [stuck] = kinds('stuck');
  assert.equal(stuck.count, 3, 'the gone pool holds three jobs');
  assert.deepEqual(stuck.link, { path: 'stuck' });
  assert.equal(kinds('gone')[0].count, 3);

  // Tasks with due jobs and nobody running them: tr_ready (5 due for 10 min) and tr_retry (2 due retries).
  const noWorker: Record<string, TroubleItem> = Object.fromEntries(kinds('no-worker').map((i) => [i.subject ?? '', i]));
  assert.equal(noWorker.tr_ready.count, 5);
  assert.equal(noWorker.tr_retry.count, 2);
  assert.equal(noWorker.tr_ready.link.path, 'jobs');
  assert.equal(noWorker.tr_ready.link.params!.task, 'tr_ready');
  assert.equal(noWorker.tr_ready.link.params!.state, 'ready,retrying');

  const [blocked] = kinds('blocked-queue');
  assert.equal(blocked.subject, 'blocked-q');
  assert.equal(blocked.count, 1);
  assert.deepEqual(blocked.link, { path: 'jobs', params: { queue: 'blocked-q' } });

  // The Stuck badge: stuck jobs, due jobs of tasks nobody runs, jobs behind blocked queues (other tests' jobs may add).
  const noWorkerDue = kinds('no-worker').reduce((n, i) => n + i.count, 0);
  assert.equal(trouble.stuckBadge, 3 + noWorkerDue + 1);
  assert.ok(noWorkerDue >= 5 + 2);
  assert.equal(trouble.failuresBadge, 0);
  assert.equal(kinds('failure-spike').length, 0);

  // The permanently failed job: out of attempts, a warning as it failed within the hour, linked to the failed jobs.
  const [given] = kinds('out-of-attempts');
  assert.equal(given.count, 1);
  assert.equal(given.title, '1 job out of attempts');
  assert.match(given.detail, /^Their work never got its output: tr_dead 1\. Open them to retry or cancel/);
  assert.equal(given.severity, 'warning');
  assert.deepEqual(given.link, { path: 'jobs', params: { state: 'failed' } });
  assert.deepEqual(trouble.errors, []);
});

test('a paused task is listed with the jobs it holds back', async () => {
  // Pauses live in the companion's schema, as a worker with the companion would have created it.
  await q(printSchemaSql({ grants: false }));
  await q(`select graphile_worker.add_job('tr_pause', '{}'::json) from generate_series(1, 2)`);
  await te.call('control.pause', { task: 'tr_pause' });
  const snap = await fresh((s) => !!s.trouble?.items.some((i) => i.kind === 'paused'));
  const paused = snap.trouble!.items.find((i) => i.kind === 'paused')!;
  assert.equal(paused.subject, 'tr_pause');
  assert.deepEqual(paused.link, { path: 'jobs', params: { task: 'tr_pause' } });
  assert.equal(paused.count, 2, 'its two waiting jobs are held back');
  await te.call('control.resume', { task: 'tr_pause' });
});

test('the success rate counts final outcomes, and the failure rate of attempts is apart', async () => {
  // Five jobs that all ended well, each after one failed attempt; one job that failed for good.
  const c = profileIdForUrl(db.connectionString);
  const now = Date.now();
  const store = te.engine.parts.db;
  const insert = store.prepare(
    `insert into failure_attempts (connection_id, job_id, generation, task, attempt, max_attempts, at, error, error_type, source, final)
     values (?, ?, 0, 'tr_rate', ?, 3, ?, 'boom', 'unknown', 'watch', ?)`,
  );
  for (let job = 1; job <= 5; job++) insert.run(c, 900_000 + job, 1, now - 5 * MIN, 0);
  insert.run(c, 900_010, 3, now - 4 * MIN, 1);
  store
    .prepare(`insert into success_minutes (connection_id, task, minute, successes) values (?, 'tr_rate', ?, 5)`)
    .run(c, Math.floor((now - 3 * MIN) / MIN));

  const summary = await te.call('history.summary', { window: '1h', task: 'tr_rate' });
  assert.deepEqual(summary.ended, { succeeded: 5, failed: 1, successRate: 5 / 6 });
  assert.equal(summary.ended24h!.successRate, 5 / 6);
  // The attempt rate: 5 successes of 11 attempts, what the Failures view used to call the success rate.
  assert.equal(summary.failures, 6);
  assert.equal(summary.successRate, 5 / 11);
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { run, type Runner } from 'graphile-worker';
import { startTestPostgres, quietLogger, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { addJobs, createRunsTable, overlappingRuns, writeTaskDir, type TaskDir } from './jobs-fixtures.ts';
import type { RunnerJobEvent } from '../../src/engine/runner/host.ts';

let db: TestPostgres;
let te: TestEngine;
let tasks: TaskDir;
let foreign: Runner | null = null;

before(async () => {
  db = await startTestPostgres();
  await createRunsTable(db.pool);
  tasks = writeTaskDir();
  te = await startTestEngine({ databaseUrl: db.connectionString, runner: true, taskDirectory: tasks.dir, concurrency: 4 });
  await waitFor('the hosted runner', () => te.engine.parts.hosted.poolId());
});
after(async () => {
  await foreign?.stop().catch(() => {});
  await te?.close();
  await db?.close();
  tasks?.remove();
});

const exists = async (id: string) =>
  (await db.pool.query('select 1 from graphile_worker._private_jobs where id = $1', [id])).rowCount === 1;
const lockedBy = async (id: string) =>
  (await db.pool.query<{ locked_by: string | null }>('select locked_by from graphile_worker._private_jobs where id = $1', [id])).rows[0]
    ?.locked_by;

test('cancel a job running in the hosted runner: it is aborted and ends as cancelled, not retried', async () => {
  const host = te.engine.parts.hosted.host()!;
  const events: RunnerJobEvent[] = [];
  host.on('job', (e) => events.push(e));
  const [id] = await addJobs(db.pool, 'hold_until_aborted', 1, { payload: { ms: 60_000 } });
  await waitFor('the job to run here', () => host.isRunning(id));
  const detail = await te.call('jobs.get', { id });
  assert.equal(detail.runningHere, true);
  assert.equal(detail.state, 'running');

  // The locked-job race: retry by filter reaches it, and it is reported as skipped, not silently ignored.
  const retry = await te.call('jobs.retry', { target: { filter: { tasks: ['hold_until_aborted'] } } });
  assert.equal(retry.affected, 0);
  assert.equal(retry.skipped, 1);
  assert.deepEqual(
    retry.skippedByReason.map((r) => [r.reason, r.sampleIds]),
    [["running in this console's runner", [id]]],
  );

  const unlock = await te.call('jobs.unlock', { target: { ids: [id] } });
  assert.deepEqual(
    [unlock.affected, unlock.skippedByReason[0]?.reason],
    [0, "held by this console's running runner: its pool is alive, cancel the job instead"],
  );

  const report = await te.call('jobs.cancel', { target: { ids: [id] } });
  assert.equal(report.affected, 1, JSON.stringify(report.skippedByReason));
  assert.ok(
    events.some((e) => e.kind === 'cancelled' && e.job.id === id),
    'the host reported a cancelled job',
  );
  assert.ok(!events.some((e) => e.kind === 'error' && e.job.id === id), 'it did not fail');
  await waitFor('the job to leave the queue', async () => !(await exists(id)));
  const { rows } = await db.pool.query<{ ok: boolean | null; ended_at: Date | null }>(
    'select ok, ended_at from jt.runs where job_id = $1',
    [id],
  );
  assert.equal(rows.length, 1, 'it ran once and was not retried');
  assert.equal(rows[0].ok, false);
  assert.ok(rows[0].ended_at, 'the task stopped');
  const gone = await te.call('jobs.get', { id });
  assert.deepEqual([gone.gone, gone.snapshotState, gone.cancelledBy], [true, 'cancelled', 'operator']);
});

test('a job held by another process is never changed: cancel, fail and retry report it as skipped', async () => {
  foreign = await run({
    connectionString: db.connectionString,
    concurrency: 1,
    pollInterval: 100,
    noHandleSignals: true,
    logger: quietLogger(),
    taskList: {
      foreign_hold: async (_payload, helpers) => {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 30_000);
          helpers.abortSignal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
        });
      },
    },
  });
  const [id] = await addJobs(db.pool, 'foreign_hold', 1);
  const pool = await waitFor('the other process to take the job', () => lockedBy(id));
  assert.notEqual(pool, te.engine.parts.hosted.poolId()!);
  const before = (
    await db.pool.query<{ attempts: number; last_error: string | null; run_at: Date }>(
      'select attempts, last_error, run_at from graphile_worker._private_jobs where id = $1',
      [id],
    )
  ).rows[0];

  const cancel = await te.call('jobs.cancel', { target: { ids: [id] } });
  assert.equal(cancel.skipped, 1);
  assert.equal(
    cancel.skippedByReason[0].reason,
    `running in another process (${pool}) without the Jobdeck companion: a running job cannot be stopped there; cancel it once it ends`,
  );
  for (const name of ['jobs.fail', 'jobs.retry'] as const) {
    const r = await te.call(name, { target: { ids: [id] } });
    assert.deepEqual([r.affected, r.skipped], [0, 1], name);
    assert.match(r.skippedByReason[0].reason, new RegExp(`running in another process \\(${pool}\\)`));
  }
  // This worker has no companion: its liveness is unknown, and it took its lock just now. Unlocking it would let
  // a second worker run the job while it still runs, so the unlock asks for a confirmation (force) first.
  const unlock = await te.call('jobs.unlock', { target: { ids: [id] } });
  assert.deepEqual([unlock.affected, unlock.skipped], [0, 1], 'a pool that may still run is not unlocked without confirmation');
  assert.match(
    unlock.skippedByReason[0].reason,
    new RegExp(`^held by ${pool}, not unlocked: Judged from lock age .*confirm to unlock anyway$`),
  );
  assert.equal(await lockedBy(id), pool, 'the job is still held by the worker that runs it');
  const after = (
    await db.pool.query<{ attempts: number; last_error: string | null; run_at: Date }>(
      'select attempts, last_error, run_at from graphile_worker._private_jobs where id = $1',
      [id],
    )
  ).rows[0];
  assert.deepEqual(after, before, 'cancel, fail and retry changed nothing');
  await foreign.stop();
  foreign = null;
  await te.call('jobs.cancel', { target: { ids: [id] } });
});

test('bulk retry by filter while the runner processes the same jobs: no job runs twice at once, none is lost', async () => {
  const ids = await addJobs(db.pool, 'record_run', 300, { payload: { failRuns: 1, ms: 30 }, maxAttempts: 1 });
  let calls = 0;
  let affected = 0;
  const reasons = new Set<string>();
  await waitFor(
    'every job to succeed after bulk retries',
    async () => {
      // Half the calls target every state, so they meet jobs the runner holds at that moment.
      const states = calls++ % 2 ? ['failed'] : ['failed', 'running', 'ready', 'retrying'];
      const report = await te.call('jobs.retry', { target: { filter: { tasks: ['record_run'], states } } });
      affected += report.affected;
      for (const r of report.skippedByReason) reasons.add(r.reason);
      const left = await db.pool.query<{ n: number }>(
        'select count(*)::int as n from graphile_worker._private_jobs where id = any($1::bigint[])',
        [ids],
      );
      return left.rows[0].n === 0;
    },
    45_000,
    50,
  );
  assert.deepEqual(await overlappingRuns(db.pool), []);
  const { rows } = await db.pool.query<{ job_id: string; ok: number; failed: number }>(
    `select job_id::text, count(*) filter (where ok)::int as ok, count(*) filter (where not ok)::int as failed
     from jt.runs where job_id = any($1::bigint[]) group by 1`,
    [ids],
  );
  assert.equal(rows.length, 300, 'every job ran');
  assert.ok(
    rows.every((r) => r.ok === 1),
    'every job succeeded exactly once: none lost, none run twice',
  );
  assert.ok(
    rows.every((r) => r.failed >= 1),
    'each first failed for good and came back only through a retry',
  );
  assert.ok(affected >= 300, `retries affected ${affected} jobs`);
  assert.ok(calls > 1);
  assert.ok(reasons.has("running in this console's runner"), 'the retries met jobs the runner held, and reported them as skipped');
  assert.ok(
    [...reasons].every((r) => r === "running in this console's runner" || r.startsWith('not found') || r.startsWith('held by a worker')),
    [...reasons].join('; '),
  );
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';

const TASKS = path.resolve(import.meta.dirname, '../fixtures/tasks');
let db: TestPostgres;
let te: TestEngine;

before(async () => {
  db = await startTestPostgres();
  await db.pool.query('create table fixture_visits (job_id bigint, n int)');
  te = await startTestEngine({ databaseUrl: db.connectionString, runner: true, taskDirectory: TASKS, concurrency: 2 });
});
after(async () => {
  await te?.close();
  await db?.close();
});

/** The runner as the engine started it: a test that finds it stopped (after the stop test) starts it again. */
async function runnerRunning() {
  const status = await te.call('app.status');
  return status.runner.state === 'running' ? status : te.call('runner.start').then(() => te.call('app.status'));
}

test("the hosted runner runs a team's task directory as it is", async () => {
  const status = await runnerRunning();
  assert.equal(status.runner.state, 'running');
  assert.equal(status.runner.taskSource, TASKS);
  assert.deepEqual(status.runner.tasks, ['fail_once', 'record_visit', 'wait_for_abort']);
  await db.pool.query(`select graphile_worker.add_job('record_visit', json_build_object('n', i)) from generate_series(1, 20) i`);
  const visits = async () =>
    (await db.pool.query<{ n: number }>('select count(*)::int as n from fixture_visits where n between 1 and 20')).rows[0].n;
  await waitFor('20 visits', async () => (await visits()) === 20);
  // A job's completion is written just after its task returns: wait for the queue to empty.
  await waitFor(
    'every job completed',
    async () =>
      (await db.pool.query<{ n: number }>(`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'record_visit'`))
        .rows[0].n === 0,
  );
  assert.equal(await visits(), 20, 'each ran once');
  assert.match((await te.call('app.status')).runner.poolId ?? '', /^pool-/);
});

test('concurrency changes restart the runner, which keeps working', async () => {
  await runnerRunning();
  const status = await te.call('runner.configure', { concurrency: 5 });
  assert.equal(status.state, 'running');
  assert.equal(status.concurrency, 5);
  await db.pool.query(`select graphile_worker.add_job('record_visit', json_build_object('n', 100))`);
  await waitFor(
    'the visit after restart',
    async () => (await db.pool.query<{ n: number }>('select count(*)::int as n from fixture_visits where n = 100')).rows[0].n === 1,
  );
});

test('two concurrency changes at once leave one pool, the one the console shows and stops', async () => {
  await runnerRunning();
  const [a, b] = await Promise.all([te.call('runner.configure', { concurrency: 3 }), te.call('runner.configure', { concurrency: 4 })]);
  assert.deepEqual([a.state, b.state], ['running', 'running']);
  const shown = (await te.call('app.status')).runner.poolId;
  // Pools of this process that have not stopped: a pool the console lost track of would heartbeat on here.
  const unstopped = async () =>
    (
      await db.pool.query<{ pool_id: string }>(`select pool_id from jobdeck.workers where pid = $1 and stopped_at is null`, [process.pid])
    ).rows.map((r) => r.pool_id);
  await waitFor('the new pool heartbeats', async () => (await unstopped()).includes(shown ?? ''));
  assert.deepEqual(await unstopped(), [shown]);
  // The pools the restarts stopped are listed as this console's earlier runners, not as some other worker's.
  const earlier = (await te.call('workers.list')).workers.filter((w) => w.pid === process.pid && w.poolId !== shown);
  assert.ok(earlier.length >= 2, JSON.stringify(earlier.map((w) => w.poolId)));
  assert.ok(
    earlier.every((w) => w.earlierRunner === true && w.liveness === 'stopped' && /^An earlier runner of this console/.test(w.reason)),
    JSON.stringify(earlier.map((w) => [w.earlierRunner, w.liveness, w.reason])),
  );

  // The same with three switches to the connection at once (each closes a session and starts a runner on its own).
  const id = (await te.call('app.status')).connection.profileId!;
  await Promise.all([1, 2, 3].map(() => te.call('connections.activate', { id })));
  const after = (await te.call('app.status')).runner.poolId;
  await waitFor('the last pool heartbeats', async () => (await unstopped()).includes(after ?? ''));
  assert.deepEqual(await unstopped(), [after]);
  await te.call('runner.stop');
  await waitFor('no pool of this process left', async () => (await unstopped()).length === 0);
});

test('stopping waits a bounded time, then aborts running jobs so graphile-worker retries them', async () => {
  await runnerRunning();
  await db.pool.query(`select graphile_worker.add_job('wait_for_abort', '{}'::json, job_key => 'long-1')`);
  await waitFor('the long job to run', async () => (await te.call('app.status')).runner.runningJobs === 1);
  // The job runs until it is aborted: the stop can only end by giving up at its bound.
  const report = await te.engine.parts.runner.stop(500);
  assert.equal(report.timedOut, true, 'the stop gave up waiting at its bound');
  assert.equal(report.aborted, 1);
  const { rows } = await db.pool.query<{ attempts: number; max_attempts: number; locked_at: Date | null; last_error: string | null }>(
    `select attempts, max_attempts, locked_at, last_error from graphile_worker.jobs where key = 'long-1'`,
  );
  assert.equal(rows[0].locked_at, null, 'unlocked for another worker');
  assert.ok(rows[0].attempts < rows[0].max_attempts, 'it will be retried');
  assert.equal(rows[0].attempts, 1, 'the aborted try counts as an attempt');
  const status = await te.call('app.status');
  assert.equal(status.runner.state, 'stopped');
  assert.match(status.runner.error ?? '', /1 running job\(s\) were aborted on stop; graphile-worker retries them/);
  // Left for a retry, the job would wait for an abort again in the next test's runner: remove it.
  await db.pool.query(`select graphile_worker.remove_job('long-1')`);
});

test('web mode cannot open a folder dialog and says how to choose a task directory', async () => {
  const result = await te.engine.call('runner.chooseTaskDirectory', {});
  assert.equal(!result.ok && result.error.code, 'invalid_input');
  assert.match(!result.ok ? result.error.message : '', /--task-directory/);
});

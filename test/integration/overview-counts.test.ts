import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';

let db: TestPostgres;
let te: TestEngine;

before(async () => {
  db = await startTestPostgres();
  te = await startTestEngine({ databaseUrl: db.connectionString, runner: false, depthSampleMs: 500 });
});
after(async () => {
  await te?.close();
  await db?.close();
});

/** Creates jobs in every state with graphile-worker's own functions and columns, as a worker would leave them. */
async function seed(): Promise<void> {
  const q = (sql: string) => db.pool.query(sql);
  // ready: 3 x alpha (no queue), 2 x beta in queue q1
  await q(`select graphile_worker.add_job('alpha', '{}'::json) from generate_series(1, 3)`);
  await q(`select graphile_worker.add_job('beta', '{}'::json, queue_name => 'q1') from generate_series(1, 2)`);
  // scheduled: 4 x alpha in an hour
  await q(`select graphile_worker.add_job('alpha', '{}'::json, run_at => now() + interval '1 hour') from generate_series(1, 4)`);
  // running: 1 x gamma, locked by a pool as a worker would
  await q(`select graphile_worker.add_job('gamma', '{"n":1}'::json, job_key => 'running-1')`);
  await q(`update graphile_worker._private_jobs set locked_at = now(), locked_by = 'pool-test', attempts = 1 where key = 'running-1'`);
  // waiting to retry: 2 x gamma that failed once
  await q(`select graphile_worker.add_job('gamma', '{}'::json, job_key => 'retry-' || i) from generate_series(1, 2) i`);
  await q(
    `update graphile_worker._private_jobs set attempts = 1, last_error = 'boom', run_at = now() + interval '5 minutes' where key like 'retry-%'`,
  );
  // permanently failed: 5 x beta in q1 (attempts used up)
  await q(
    `select graphile_worker.add_job('beta', '{}'::json, queue_name => 'q1', max_attempts => 2, job_key => 'dead-' || i) from generate_series(1, 5) i`,
  );
  await q(`update graphile_worker._private_jobs set attempts = 2, last_error = 'Error code: 429 - quota' where key like 'dead-%'`);
}

/** The first snapshot the monitor takes after now (it counts every second). */
const freshSnapshot = async () => {
  const since = Date.now();
  return waitFor('a fresh snapshot', async () => {
    const s = await te.call('overview.get');
    return s && Date.parse(s.at) > since ? s : null;
  });
};

test('overview counts match the jobs created in each state', async () => {
  // What other tests of this file left counts too: the totals are compared with what was there before.
  const before = (await freshSnapshot()).totals;
  await seed();
  const snap = await freshSnapshot();
  const states = ['ready', 'scheduled', 'running', 'retrying', 'failed', 'total'] as const;
  const added = Object.fromEntries(states.map((state) => [state, snap.totals[state] - before[state]]));
  assert.deepEqual(added, { ready: 5, scheduled: 4, running: 1, retrying: 2, failed: 5, total: 17 });
  const byTask = Object.fromEntries(snap.byTask.map((t) => [t.task, t]));
  assert.deepEqual(
    { ready: byTask.alpha.ready, scheduled: byTask.alpha.scheduled, total: byTask.alpha.total },
    { ready: 3, scheduled: 4, total: 7 },
  );
  assert.equal(byTask.beta.failed, 5);
  assert.equal(byTask.beta.ready, 2);
  assert.equal(byTask.gamma.running, 1);
  assert.equal(byTask.gamma.retrying, 2);
  assert.equal(snap.byQueue.length, 1);
  assert.equal(snap.byQueue[0].queue, 'q1');
  assert.equal(snap.byQueue[0].total, 7);

  // Cross-check against the public view with graphile-worker's own notion of each state.
  const { rows } = await db.pool.query<{ n: number }>(`select count(*)::int as n from graphile_worker.jobs`);
  assert.equal(snap.totals.total, rows[0].n);
});

test('counts follow changes', async () => {
  const before = (await freshSnapshot()).totals.ready;
  await db.pool.query(`select graphile_worker.add_job('epsilon', '{}'::json) from generate_series(1, 10)`);
  const snap = await waitFor('the new jobs to be counted', async () => {
    const s = await te.call('overview.get');
    return s && s.totals.ready === before + 10 ? s : null;
  });
  assert.equal(snap.byTask.find((t) => t.task === 'epsilon')?.ready, 10);
});

test('depth samples are kept in SQLite and survive an engine restart', async () => {
  const samples = await waitFor(
    'two depth samples',
    async () => {
      const s = await te.call('overview.depth', { minutes: 5 });
      return s.length >= 2 ? s : null;
    },
    20_000,
  );
  assert.ok(samples.every((s) => typeof s.ready === 'number'));
  const dataDir = te.dataDir;
  await te.close({ keepData: true });
  te = await startTestEngine({ databaseUrl: db.connectionString, runner: false, dataDir });
  const reread = await te.call('overview.depth', { minutes: 5 });
  assert.ok(reread.length >= samples.length, `expected the ${samples.length} samples back, got ${reread.length}`);
  assert.deepEqual(
    reread.slice(0, samples.length).map((s) => s.at),
    samples.map((s) => s.at),
  );
});

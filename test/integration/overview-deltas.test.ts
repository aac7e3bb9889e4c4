/**
 * The monitor counts the job tables only when they changed (Postgres' row counters, graphile-worker's jobs:insert,
 * the console's own actions) and carries its last count forward otherwise. These tests hold it to what a full count
 * says, after a mixed run by separate worker processes, and across jobs falling due with no count in between.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { scriptArgs } from '../helpers/scripts.ts';
import { startCompanionWorker, type CompanionChild } from '../fixtures/companion-kit/child.ts';
import { countJobs } from '../../src/engine/monitor/count-query.ts';
import { fallDue } from '../../src/engine/monitor/fall-due.ts';
import { TableActivity } from '../../src/engine/monitor/table-activity.ts';
import { JOB_STATES } from '../../src/shared/model/job-state.ts';
import type { OverviewSnapshot } from '../../src/shared/model/overview.ts';

let db: TestPostgres;
let te: TestEngine;
const workers: { stop(): Promise<void> }[] = [];

before(async () => {
  db = await startTestPostgres();
  te = await startTestEngine({ databaseUrl: db.connectionString, runner: false });
});
after(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await te?.close();
  await db?.close();
});

/** A graphile-worker process without the companion (test/fixtures/history-worker.ts: ext_ok, ext_fail, ext_sleep). */
async function startPlainWorker(): Promise<{ stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [...scriptArgs('test/fixtures/history-worker.ts'), db.connectionString], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`the plain worker exited with ${code}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The state counts of a snapshot, in totals and per task and queue: what the overview shows as numbers. */
function states(s: OverviewSnapshot) {
  const pick = (c: Record<(typeof JOB_STATES)[number], number>) => JOB_STATES.map((k) => c[k]).join(' ');
  return {
    totals: pick(s.totals),
    byTask: Object.fromEntries(s.byTask.map((t) => [t.task, pick(t)])),
    byQueue: Object.fromEntries(s.byQueue.map((q) => [q.queue, pick(q)])),
  };
}

const q = <R extends object = Record<string, unknown>>(sql: string, params: unknown[] = []) => db.pool.query<R>(sql, params);

test('after a mixed run by separate workers, the counts the monitor keeps equal a full count, and it stops counting at rest', async () => {
  const companion: CompanionChild = await startCompanionWorker({ connectionString: db.connectionString, concurrency: 3 });
  workers.push(companion, await startPlainWorker());
  // Adds from this process; takes, successes and failures by the two workers.
  await q(`select graphile_worker.add_job('cd_ok', '{}'::json) from generate_series(1, 40)`);
  await q(`select graphile_worker.add_job('cd_sleep', '{"ms": 200}'::json, queue_name => 'serial') from generate_series(1, 5)`);
  await q(`select graphile_worker.add_job('cd_fail', '{"message": "boom"}'::json, max_attempts => 1) from generate_series(1, 6)`);
  await q(`select graphile_worker.add_job('ext_ok', '{}'::json) from generate_series(1, 20)`);
  await q(`select graphile_worker.add_job('ext_fail', '{"message": "nope"}'::json, max_attempts => 1) from generate_series(1, 4)`);
  // Waiting ones: far in the future, and a task no worker runs.
  await q(`select graphile_worker.add_job('later', '{}'::json, run_at => now() + interval '1 hour') from generate_series(1, 7)`);
  await q(`select graphile_worker.add_job('nobody', '{}'::json) from generate_series(1, 3)`);
  const settled = async () => {
    const { rows } = await q<{ due: number; running: number }>(
      `select count(*) filter (where locked_at is null and attempts < max_attempts and run_at <= now() and task_id in
         (select id from graphile_worker._private_tasks where identifier like 'cd_%' or identifier like 'ext_%'))::int as due,
       count(*) filter (where locked_at is not null)::int as running from graphile_worker._private_jobs`,
    );
    return rows[0].due === 0 && rows[0].running === 0;
  };
  await waitFor('the workers to finish', settled, 60_000);

  // A retry by an outside session (no notification; the row counters tell), and one and a cancel through the console.
  await q(`select graphile_worker.reschedule_jobs(array_agg(id), run_at => now(), attempts => 0) from
             (select j.id from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
              where t.identifier = 'ext_fail') x`);
  const failed = await q<{
    id: string;
  }>(`select j.id::text from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
                          where t.identifier = 'cd_fail' order by j.id limit 2`);
  await te.call('jobs.retry', { target: { ids: failed.rows.map((r) => r.id) }, actionId: 'deltas-retry' });
  const later = await q<{
    id: string;
  }>(`select j.id::text from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
                         where t.identifier = 'later' order by j.id limit 2`);
  await te.call('jobs.cancel', { target: { ids: later.rows.map((r) => r.id) }, actionId: 'deltas-cancel' });
  await waitFor('the retried jobs to end again', settled, 60_000);

  // What the console shows, without being asked to count, against a full count now.
  const full = async () => states((await countJobs(db.pool)).snapshot);
  await waitFor(
    'the monitor to agree with a full count',
    async () => {
      const shown = await te.call('overview.get');
      return shown && JSON.stringify(states(shown)) === JSON.stringify(await full()) ? shown : null;
    },
    30_000,
  );
  // Counted from the ranges the history watcher's passes found changed: Postgres read the jobs once for both.
  const following = await waitFor('a count that follows the watcher', async () => {
    const s = await te.call('overview.get');
    return s?.rangesRead !== undefined ? s : null;
  });
  assert.deepEqual(states(following), await full());
  const expected = await full();
  assert.equal(expected.byTask.cd_ok, undefined, 'the successes left the table');
  assert.equal(expected.byTask.cd_fail, '0 0 0 0 6', 'two retried, failed again: six failed for good');
  assert.equal(expected.byTask.ext_fail, '0 0 0 0 4');
  assert.equal(expected.byTask.later, '0 5 0 0 0', 'two of seven cancelled');
  assert.equal(expected.byTask.nobody, '3 0 0 0 0');

  // At rest the monitor stops counting: its snapshots move on (checked each second) while its count stays put.
  const resting = await waitFor(
    'a snapshot carried forward from an earlier count',
    async () => {
      const s = await te.call('overview.get');
      return s?.countedAt && Date.parse(s.at) - Date.parse(s.countedAt) >= 2_000 ? s : null;
    },
    30_000,
  );
  assert.deepEqual(states(resting), await full());

  // A change made by hand, by a session that sends no notification, is counted without a refresh: within the 10 s
  // Postgres may hold its row counters when that session published others less than a second before.
  await q(`update graphile_worker._private_jobs set attempts = max_attempts, last_error = 'by hand'
           where task_id = (select id from graphile_worker._private_tasks where identifier = 'nobody')`);
  const after = await waitFor(
    'the change to be counted',
    async () => {
      const s = await te.call('overview.get');
      return s && states(s).byTask.nobody === '0 0 0 0 3' ? s : null;
    },
    25_000,
  );
  assert.deepEqual(states(after), await full());
});

test('jobs falling due move to Ready between two counts exactly as a count would show them', async () => {
  await q(`select graphile_worker.add_job('due_soon', '{}'::json, queue_name => 'dq', run_at => now() + interval '700 milliseconds')
           from generate_series(1, 3)`);
  await q(
    `select graphile_worker.add_job('due_soon', '{}'::json, run_at => now() + interval '1400 milliseconds') from generate_series(1, 2)`,
  );
  await q(`select graphile_worker.add_job('due_soon', '{}'::json, run_at => now() + interval '1 hour')`);
  // A retry falling due: failed once, run_at a second ahead.
  await q(`select graphile_worker.add_job('due_retry', '{}'::json, job_key => 'due-retry-1')`);
  await q(
    `update graphile_worker._private_jobs set attempts = 1, last_error = 'x', run_at = now() + interval '1 second' where key = 'due-retry-1'`,
  );
  const first = await countJobs(db.pool, undefined, true);
  const soonTasks = first.soon
    .filter((s) => s.task.startsWith('due_'))
    .map((s) => `${s.task}/${s.queue ?? '-'}:${s.ready.length}+${s.retries.length}`)
    .sort();
  assert.deepEqual(soonTasks, ['due_retry/-:0+1', 'due_soon/-:2+0', 'due_soon/dq:3+0']);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const second = await countJobs(db.pool);
  const carried = fallDue(first.snapshot, first.soon, first.dbNow!, second.dbNow!);
  assert.deepEqual(states(carried), states(second.snapshot));
  const task = (s: OverviewSnapshot, name: string) => s.byTask.find((t) => t.task === name)!;
  assert.equal(task(carried, 'due_soon').ready, 5);
  assert.equal(task(carried, 'due_soon').scheduled, 1);
  assert.equal(task(carried, 'due_retry').dueRetries, 1);
  assert.equal(carried.totals.dueRetries, second.snapshot.totals.dueRetries);
  // The oldest due job's wait, to within the two clocks' reading of the same instant.
  assert.ok(Math.abs(carried.totals.oldestDueMs! - second.snapshot.totals.oldestDueMs!) <= 50, 'oldest due agrees');
  assert.equal(carried.byQueue.find((x) => x.queue === 'dq')!.ready, 3);
});

test('the tables are known quiet only where Postgres keeps row counters (not with track_counts off)', async () => {
  const client = await db.pool.connect();
  try {
    // Times given explicitly: two checks 20 s apart (the busy window of the first one closed), no change between.
    const quietAfterTwoChecks = async () => {
      const activity = new TableActivity();
      await activity.probe(client, 1_000);
      await activity.probe(client, 21_000);
      return activity.quietSince(1_001, 21_000);
    };
    // Postgres publishes row counters a moment after the writes (up to a second, more on a loaded machine): the earlier
    // tests' writes can land between the two checks, which is a change. Quiet once nothing more is published.
    let quiet = false;
    for (let tries = 0; tries < 5 && !quiet; tries++) {
      if (tries) await new Promise((resolve) => setTimeout(resolve, 1_500));
      quiet = await quietAfterTwoChecks();
    }
    assert.equal(quiet, true, 'counters kept: quiet');
    await client.query('set track_counts = off');
    assert.equal(await quietAfterTwoChecks(), false, 'counters off: never known quiet');
    await client.query('reset track_counts');
    // A change between the two checks that Postgres has published: not quiet.
    const activity = new TableActivity();
    await activity.probe(client, 1_000);
    await client.query(`select graphile_worker.add_job('quiet_probe', '{}'::json)`);
    await waitFor('the change to be published', async () => {
      await activity.probe(client, 21_000);
      return !activity.quietSince(1_001, 21_000);
    });
  } finally {
    client.release();
  }
});

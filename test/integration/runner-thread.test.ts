import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';

// The hosted runner's graphile-worker runs on a thread of its own (src/engine/runner/thread): a task of the team's
// directory that throws outside its promise, or that blocks its thread, reaches only that thread, not the console.

let db: TestPostgres;
let te: TestEngine;
let tasks: string;
const logged: string[] = [];

before(async () => {
  db = await startTestPostgres();
  await db.pool.query('create table thread_marks (job_id bigint, mark text, at timestamptz not null default clock_timestamp())');
  tasks = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-thread-tasks-'));
  const mark = (what: string) => `await helpers.query('insert into thread_marks values ($1, $2)', [helpers.job.id, '${what}']);`;
  // Its first run throws from a timer while it still runs (its outcome is never written); later runs end at once.
  writeFileSync(
    path.join(tasks, 'throw_later.js'),
    `module.exports = async (payload, helpers) => {
       ${mark('ran')}
       if (helpers.job.attempts > 1) return;
       setTimeout(() => { throw new Error('thrown by a timer of a task'); }, 10);
       await new Promise(() => {});
     };\n`,
  );
  writeFileSync(path.join(tasks, 'mark.js'), `module.exports = async (payload, helpers) => { ${mark('ran')} };\n`);
  // Runs until its abort signal fires, as a long model call would.
  writeFileSync(
    path.join(tasks, 'wait_abort.js'),
    `module.exports = (payload, helpers) => new Promise((resolve, reject) => helpers.abortSignal.addEventListener('abort', () => reject(new Error('aborted'))));\n`,
  );
  // Busy for 3 s after its mark: a console on the same thread could answer nothing meanwhile.
  writeFileSync(
    path.join(tasks, 'block.js'),
    `module.exports = async (payload, helpers) => { ${mark('blocking')} const end = Date.now() + 3000; while (Date.now() < end) {} };\n`,
  );
  te = await startTestEngine({
    databaseUrl: db.connectionString,
    runner: true,
    taskDirectory: tasks,
    concurrency: 2,
    log: (level, message) => logged.push(`${level}: ${message}`),
  });
});
after(async () => {
  await te?.close();
  await db?.close();
  if (tasks) rmSync(tasks, { recursive: true, force: true });
});

const addJob = async (task: string) =>
  (await db.pool.query<{ id: string }>(`select id::text from graphile_worker.add_job($1)`, [task])).rows[0].id;
const marked = async (id: string, what: string) =>
  (await db.pool.query(`select 1 from thread_marks where job_id = $1 and mark = $2`, [id, what])).rowCount === 1;
const gone = async (id: string) => (await db.pool.query(`select 1 from graphile_worker.jobs where id = $1`, [id])).rowCount === 0;

test("a task that throws outside its promise ends the runner's thread, not the console: the pool is renewed and goes on", async () => {
  const before = (await te.call('app.status')).runner;
  assert.equal(before.state, 'running');
  const thrower = await addJob('throw_later');
  await waitFor('the task to run', () => marked(thrower, 'ran'));
  await waitFor('a new pool', async () => {
    const runner = (await te.call('app.status')).runner;
    return runner.state === 'running' && runner.poolId !== before.poolId && runner.poolId !== null;
  });
  assert.ok(
    logged.some((line) => line === "error: graphile-worker: the runner's thread failed: thrown by a timer of a task"),
    logged.join('\n'),
  );
  // The new pool takes jobs.
  const next = await addJob('mark');
  await waitFor('the next job to run', () => marked(next, 'ran'));
  // The job that was running when the thread failed failed its attempt: retried after graphile-worker's backoff
  // (e^1 s), not at once (a task that brings its thread down would otherwise do it again every few seconds).
  await waitFor('the job retried and done', () => gone(thrower));
  const { rows } = await db.pool.query<{ seconds: number }>(
    `select extract(epoch from max(at) - min(at))::float as seconds from thread_marks where job_id = $1 group by job_id having count(*) = 2`,
    [thrower],
  );
  assert.equal(rows.length, 1, 'ran twice');
  assert.ok(rows[0].seconds >= 2.5, `the retry ran ${rows[0].seconds} s after the first run`);
});

test('a task that blocks its thread does not stall the console', async () => {
  const blocker = await addJob('block');
  await waitFor('the task to start blocking', () => marked(blocker, 'blocking'));
  // The console answers while the task still holds its thread: its job is still locked, not completed.
  const status = await te.call('app.status');
  assert.equal(status.runner.state, 'running');
  const { rows } = await db.pool.query<{ locked: boolean }>(
    `select locked_at is not null as locked from graphile_worker.jobs where id = $1`,
    [blocker],
  );
  assert.deepEqual(rows, [{ locked: true }], 'the blocking task had not ended when the console answered');
  await waitFor('the blocking job to complete', () => gone(blocker));
});

test('a job cancelled while the console stops its pool is cancelled, not left to the stop', async () => {
  if ((await te.call('app.status')).runner.state !== 'running') await te.call('runner.start');
  const host = te.engine.parts.hosted.host()!;
  const id = await addJob('wait_abort');
  await waitFor('the job to run here', () => host.isRunning(id));
  // The stop waits up to 10 s for the running job; the cancel reaches it meanwhile, on the pool being stopped.
  const stopping = te.call('runner.stop');
  await waitFor('the runner stopping', async () => (await te.call('app.status')).runner.state === 'stopping');
  const report = await te.call('jobs.cancel', { target: { ids: [id] } });
  assert.equal(report.affected, 1, JSON.stringify(report.skippedByReason));
  await stopping;
  const outcomes = await waitFor('its attempt recorded', async () => {
    const { rows } = await db.pool.query<{ outcome: string }>(`select outcome from jobdeck.attempts where job_id = $1`, [id]);
    return rows.length ? rows.map((r) => r.outcome) : null;
  });
  assert.deepEqual(outcomes, ['cancelled']);
  assert.ok(await gone(id), 'not retried');
});

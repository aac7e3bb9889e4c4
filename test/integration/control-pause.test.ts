import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { startCompanionWorker, waitFor, type CompanionChild } from '../fixtures/companion-kit/child.ts';
import { HTTP_STATUS, type OpErrorCode } from '../../src/shared/contract/index.ts';
import { PARKED_RUN_AT } from '../../src/worker/pause-sql.ts';

// Pause and resume (issue 14) on a real Postgres, with the hosted runner (which carries the companion) and a
// separate worker process with the companion, both able to run the same tasks: a paused task's or queue's jobs
// do not start, none is lost, no attempt is spent, no error overwritten, and resume restores their run_at.

const TASK_DIR = path.resolve(import.meta.dirname, '../fixtures/companion-kit/task-dir');

let db: TestPostgres;
let te: TestEngine;
let worker: CompanionChild;

before(async () => {
  db = await startTestPostgres();
  te = await startTestEngine({
    databaseUrl: db.connectionString,
    runner: true,
    taskDirectory: TASK_DIR,
    concurrency: 2,
    depthSampleMs: 1000,
    // The trouble summary at most every 10 min by itself: a pause or a resume must refresh it at once.
    troubleEveryMs: 600_000,
  });
  worker = await startCompanionWorker({ connectionString: db.connectionString, concurrency: 2, jobdeck: { heartbeatIntervalMs: 300 } });
  await waitFor('the hosted runner', () => te.engine.parts.hosted.poolId());
  // Both pools registered their tasks (a pause names a task graphile-worker knows).
  await waitFor('both pools heartbeating', async () => {
    const { rows } = await db.pool
      .query<{ n: number }>(`select count(*)::int as n from jobdeck.workers where stopped_at is null`)
      .catch(() => ({ rows: [{ n: 0 }] }));
    return rows[0].n === 2;
  });
});

// Each test leaves nothing paused, whatever happened in it.
afterEach(async () => {
  for (const p of (await te.call('control.list')).pauses) await te.call('control.resume', { [p.kind]: p.name });
});

after(async () => {
  await worker?.stop();
  await te?.close();
  await db?.close();
});

interface JobRow {
  id: string;
  run_at: Date;
  attempts: number;
  last_error: string | null;
  locked_at: Date | null;
  priority: number;
}

async function addJob(
  task: string,
  options: { runAt?: string; priority?: number; queue?: string; maxAttempts?: number; payload?: object } = {},
) {
  const { rows } = await db.pool.query<{ id: string }>(
    `select (graphile_worker.add_job($1, $6::json, queue_name := $2, run_at := $3::timestamptz,
       max_attempts := $4, priority := $5)).id::text as id`,
    [
      task,
      options.queue ?? null,
      options.runAt ?? null,
      options.maxAttempts ?? 5,
      options.priority ?? 0,
      JSON.stringify(options.payload ?? { ms: 1 }),
    ],
  );
  return rows[0].id;
}

async function jobs(ids: string[]): Promise<JobRow[]> {
  const { rows } = await db.pool.query<JobRow>(
    `select id, run_at, attempts, last_error, locked_at, priority from graphile_worker._private_jobs
     where id = any($1::bigint[]) order by id`,
    [ids],
  );
  return rows;
}

async function gone(ids: string[]): Promise<boolean> {
  return (await jobs(ids)).length === 0;
}

/**
 * Jobs of another task, queued after `ids` with a lower priority and a later run_at: once both pools have run
 * all of them, each has fetched while the paused jobs were due and first in line.
 */
async function runSentinels(n = 8): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await addJob('cd_sleep', { priority: 10 }));
  await waitFor('the sentinel jobs done by the workers', () => gone(ids));
}

async function attemptsRecorded(ids: string[]): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(`select count(*)::int as n from jobdeck.attempts where job_id = any($1::bigint[])`, [
    ids,
  ]);
  return rows[0].n;
}

test('a paused task: no job starts in either worker, nothing lost, no attempt spent, run_at restored on resume', async () => {
  const inHour = new Date(Date.now() + 3600_000).toISOString();
  const inTwoHours = new Date(Date.now() + 7200_000).toISOString();
  const scheduled = [await addJob('cd_ok', { runAt: inHour, priority: 3 }), await addJob('cd_ok', { runAt: inTwoHours, priority: -2 })];
  // A job that failed once, waiting to retry (its retry pushed an hour away so it stays waiting).
  const failed = await addJob('cd_fail', { maxAttempts: 5, payload: { message: 'boom' } });
  await waitFor('the first failure', async () => (await jobs([failed]))[0]?.attempts === 1 && !(await jobs([failed]))[0].locked_at);
  await db.pool.query(`select graphile_worker.reschedule_jobs(array[$1::bigint], run_at := now() + interval '1 hour')`, [failed]);
  const before = await jobs([...scheduled, failed]);
  assert.match(before.find((j) => j.id === failed)!.last_error ?? '', /boom #1/);

  const pausedOk = await te.call('control.pause', { task: 'cd_ok', reason: 'provider quota' });
  const pausedFail = await te.call('control.pause', { task: 'cd_fail' });
  assert.equal(pausedOk.parked, 2);
  assert.equal(pausedFail.parked, 1);
  assert.equal(pausedOk.pause.reason, 'provider quota');

  // Parked: run_at moved out of reach, attempts and last_error as they were.
  for (const j of await jobs([...scheduled, failed])) {
    const was = before.find((b) => b.id === j.id)!;
    assert.equal(j.run_at.getTime(), PARKED_RUN_AT.getTime());
    assert.equal(j.attempts, was.attempts);
    assert.equal(j.last_error, was.last_error);
  }

  const pausedItems = async () =>
    ((await te.call('overview.get'))?.trouble?.items ?? []).filter((i) => i.kind === 'paused').map((i) => i.subject);
  await waitFor('the pauses among what needs attention', async () => (await pausedItems()).length === 2);

  // The overview counts them apart: still Scheduled and Waiting to retry by graphile-worker's columns, parked by a pause.
  const counted = await waitFor('the overview counting the parked jobs', async () => {
    const s = await te.call('overview.get');
    const ok = s?.byTask.find((t) => t.task === 'cd_ok');
    const fail = s?.byTask.find((t) => t.task === 'cd_fail');
    return ok?.parkedNew === 2 && fail?.parkedRetries === 1 ? { ok, fail, totals: s!.totals } : null;
  });
  assert.deepEqual([counted.ok.scheduled, counted.ok.parkedRetries, counted.fail.retrying, counted.fail.parkedNew], [2, 0, 1, 0]);
  assert.deepEqual([counted.totals.parkedNew, counted.totals.parkedRetries], [2, 1]);
  // The depth chart's samples keep them apart too: out of Scheduled and Waiting to retry, as Paused. (A chart point
  // averages the samples of its second, each figure rounded: one taken between the two pauses, with the retry not yet
  // parked, can round to 3 paused and 1 waiting to retry; the point wanted is one of the parked state alone.)
  const sample = await waitFor('a depth sample with the parked jobs', async () => {
    const samples = await te.call('overview.depth', { minutes: 5 });
    const last = samples[samples.length - 1];
    return last?.paused === 3 && last.scheduled + last.retrying === 0 ? last : null;
  });
  assert.equal(sample.scheduled + sample.retrying + sample.paused, counted.totals.scheduled + counted.totals.retrying);

  // Both pools say they hold the task back (the fetch filter), as their heartbeat reports it. A pool sees a pause
  // by NOTIFY or, at the latest, its next check (about a second): jobs added before then may be taken, as documented.
  await waitFor('both pools report the paused tasks', async () => {
    const { rows } = await db.pool.query<{ paused: string[] }>(
      `select coalesce(stats->'pausedTasks', '[]'::jsonb) as paused from jobdeck.workers where stopped_at is null`,
    );
    return rows.length === 2 && rows.every((r) => r.paused.includes('cd_ok') && r.paused.includes('cd_fail'));
  });

  // Jobs added while paused, due now and first in line: neither pool takes them.
  const added = [await addJob('cd_ok', { priority: -5 }), await addJob('cd_ok', { priority: -5 }), await addJob('cd_ok')];
  await runSentinels();
  const whilePaused = await jobs(added);
  assert.equal(whilePaused.length, 3, 'no job lost');
  for (const j of whilePaused) {
    assert.equal(j.attempts, 0, `job ${j.id} took no attempt`);
    assert.equal(j.locked_at, null);
  }
  assert.equal(await attemptsRecorded([...added, ...scheduled]), 0);

  const list = await te.call('control.list');
  assert.deepEqual(
    list.pauses.map((p) => [p.kind, p.name]),
    [
      ['task', 'cd_fail'],
      ['task', 'cd_ok'],
    ],
  );
  assert.deepEqual(list.unheldPools, []);

  const resumed = await te.call('control.resume', { task: 'cd_ok' });
  await te.call('control.resume', { task: 'cd_fail' });
  assert.ok(resumed.restored >= 2);
  await waitFor('the resumed pauses gone from what needs attention', async () => (await pausedItems()).length === 0);
  // Timing and order restored exactly: run_at, priority, attempts, last_error as before the pause.
  assert.deepEqual(await jobs([...scheduled, failed]), before);
  await waitFor('the jobs added while paused run after resume', () => gone(added));
  assert.equal((await te.call('control.list')).pauses.length, 0);
});

test('a paused named queue: its waiting jobs are parked and run only after resume, in their order', async () => {
  const q = [await addJob('cd_ok', { queue: 'q-paused' })];
  await waitFor('the queue exists and its first job ran', () => gone(q));
  const inHour = new Date(Date.now() + 3600_000).toISOString();
  const later = await addJob('cd_ok', { queue: 'q-paused', runAt: inHour });
  const [was] = await jobs([later]);
  const report = await te.call('control.pause', { queue: 'q-paused' });
  assert.equal(report.parked, 1);
  // The worker process has seen the pause (its heartbeat says so); the hosted runner's companion reads the same table.
  await waitFor('the worker obeys the queue pause', async () => {
    const { rows } = await db.pool.query<{ stats: { pausedQueues?: string[] } }>(`select stats from jobdeck.workers where pool_id = $1`, [
      worker.poolId,
    ]);
    return rows[0]?.stats.pausedQueues?.includes('q-paused');
  });
  const hosted = te.engine.parts.hosted.host();
  // Its companion runs on the runner's thread, whose account reaches the console every second.
  await waitFor('the hosted runner obeys the queue pause', () =>
    ((hosted?.companionStats()?.pausedQueues as string[] | undefined) ?? []).includes('q-paused'),
  );
  const due = await addJob('cd_ok', { queue: 'q-paused' });
  // Parked before any pool's next fetch; or, if a pool took it in the instant between its park and its fetch,
  // held there before its handler starts (the queue stays locked by it, so nothing else of it runs anywhere).
  await waitFor('the job added to the paused queue parked or held', async () => {
    const [j] = await jobs([due]);
    return j && (j.run_at.getTime() === PARKED_RUN_AT.getTime() || j.locked_at !== null);
  });
  await runSentinels();
  assert.equal((await jobs([due])).length, 1, 'not lost');
  assert.equal(await attemptsRecorded([due]), 0, 'its handler has not run');
  // Both pools parked before their fetches while the queue was paused (graphile-worker's forbiddenFlags hook).
  await waitFor('the hosted runner gated its fetches', () => ((hosted?.companionStats()?.fetchesGated as number | undefined) ?? 0) > 0);
  await waitFor('the worker process gated its fetches', async () => {
    const { rows } = await db.pool.query<{ stats: { fetchesGated?: number } }>(`select stats from jobdeck.workers where pool_id = $1`, [
      worker.poolId,
    ]);
    return (rows[0]?.stats.fetchesGated ?? 0) > 0;
  });
  await te.call('control.resume', { queue: 'q-paused' });
  assert.deepEqual(await jobs([later]), [was]);
  await waitFor('the queue runs again', () => gone([due]));
  // It ran once, with its first attempt: the pause spent none.
  const ran = await waitFor('its attempt recorded', async () => {
    const { rows } = await db.pool.query<{ attempt: number; outcome: string }>(
      `select attempt, outcome from jobdeck.attempts where job_id = $1`,
      [due],
    );
    return rows.length ? rows : null;
  });
  assert.deepEqual(
    ran.map((r) => [r.attempt, r.outcome]),
    [[1, 'success']],
  );
});

test('a pause with an end resumes by itself', async () => {
  const until = new Date(Date.now() + 2_500).toISOString();
  const id = await addJob('cd_ok', { runAt: new Date(Date.now() + 1_000).toISOString() });
  await te.call('control.pause', { task: 'cd_ok', until });
  assert.equal((await jobs([id]))[0].run_at.getTime(), PARKED_RUN_AT.getTime());
  await waitFor('the job restored and run once the pause ended', () => gone([id]));
  assert.equal((await te.call('control.list')).pauses.length, 0);
  const { rows } = await db.pool.query(`select 1 from jobdeck.pauses`);
  assert.equal(rows.length, 0, 'the expired pause was removed');
});

test('bad input is a clear 400 that changes nothing', async () => {
  const refused = async (input: unknown, op: 'control.pause' | 'control.resume' = 'control.pause') => {
    const result = await te.engine.call(op, input);
    assert.equal(result.ok, false, JSON.stringify(input));
    const code = (result as { error: { code: OpErrorCode; message: string } }).error.code;
    assert.equal(HTTP_STATUS[code], 400, `${op} ${JSON.stringify(input)}: ${code}`);
    return (result as { error: { message: string } }).error.message;
  };
  assert.match(await refused({ task: 'no_such_task' }), /Unknown task "no_such_task"/);
  assert.match(await refused({ queue: 'no-such-queue' }), /Unknown queue/);
  assert.match(await refused({ task: 'cd_ok', until: new Date(Date.now() - 60_000).toISOString() }), /not in the future/);
  await refused({ task: 'cd_ok', queue: 'q-paused' });
  await refused({});
  await refused({ task: 'cd_ok', until: 'tomorrow' });
  assert.match(await refused({ task: 'cd_ok' }, 'control.resume'), /not paused/);
  const { rows } = await db.pool.query(`select 1 from jobdeck.pauses`);
  assert.equal(rows.length, 0);
});

test('a pause lives in the database: it holds after the console that made it has quit', async () => {
  const other = await startTestEngine({ databaseUrl: db.connectionString, runner: false });
  await other.call('control.pause', { task: 'cd_ok' });
  await other.close();
  await waitFor('the worker obeys the pause', async () => {
    const { rows } = await db.pool.query<{ stats: { pausedTasks?: string[] } }>(`select stats from jobdeck.workers where pool_id = $1`, [
      worker.poolId,
    ]);
    return rows[0]?.stats.pausedTasks?.includes('cd_ok');
  });
  const added = [await addJob('cd_ok', { priority: -5 })];
  await runSentinels();
  assert.equal((await jobs(added))[0].attempts, 0, 'not taken while the console that paused it is gone');
  await te.call('control.resume', { task: 'cd_ok' });
  await waitFor('runs once resumed', () => gone(added));
});

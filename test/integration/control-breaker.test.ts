import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { HTTP_STATUS, type JobdeckEvent } from '../../src/shared/contract/index.ts';
import { PARKED_RUN_AT } from '../../src/worker/pause-sql.ts';
import { SAME_FAILURE_MS } from '../../src/engine/history/attempts-repo.ts';

// The circuit breaker (issue 14, point 4) on a real Postgres with the hosted runner (which carries the companion,
// so its attempts reach the history exactly): a 429 storm trips it, it pauses the task until the time the provider
// named, resumes it then, writes both to the audit log and emits both as events. Bad settings are 400s.

const TASK_DIR = path.resolve(import.meta.dirname, '../fixtures/companion-kit/task-dir');
const TASK = 'cd_fail';
const STORM = 'Error code: 429 - Rate limit reached for requests per min (RPM): Limit 3, Used 3. Please try again in 20s.';
/** The time the storm's errors name: long enough that the pause still holds when a loaded machine checks the parked job. */
const NAMED_MS = 20_000;

let db: TestPostgres;
let te: TestEngine;
const events: JobdeckEvent[] = [];
/** The engine's warnings, named in a failure: a breaker that does not resume says why in the log. */
const warnings: string[] = [];
let unsubscribe: () => void;

/** waitFor, whose timeout also says what the engine warned of meanwhile. */
const waitForBreaker = <T>(what: string, check: () => Promise<T>, timeoutMs: number) =>
  waitFor(what, check, timeoutMs).catch((error: Error) => {
    throw new Error(`${error.message}; the engine's warnings: ${warnings.join(' | ') || 'none'}`);
  });

async function addJobs(task: string, n: number, payload: object) {
  await db.pool.query(`select graphile_worker.add_job($1, $2::json, max_attempts := 1) from generate_series(1, $3)`, [
    task,
    JSON.stringify(payload),
    n,
  ]);
}

before(async () => {
  db = await startTestPostgres();
  te = await startTestEngine({
    databaseUrl: db.connectionString,
    runner: true,
    taskDirectory: TASK_DIR,
    concurrency: 2,
    log: (level, message) => {
      if (level === 'warn' || level === 'error') warnings.push(message);
    },
  });
  unsubscribe = te.engine.subscribe((e) => events.push(e));
  await waitFor('the hosted runner', () => te.engine.parts.hosted.poolId());
  // graphile-worker knows a task once a job of it was added.
  await addJobs('cd_ok', 1, {});
  await addJobs(TASK, 1, { message: 'a first failure that is no rate limit' });
});

after(async () => {
  unsubscribe?.();
  await te?.close();
  await db?.close();
});

test('bad breaker settings are 400s that change nothing', async () => {
  const bad: [string, object][] = [
    ['threshold 0', { task: TASK, enabled: true, thresholdPct: 0 }],
    ['threshold 101', { task: TASK, enabled: true, thresholdPct: 101 }],
    ['window 0', { task: TASK, enabled: true, windowMinutes: 0 }],
    ['no target', { enabled: true }],
    ['both targets', { task: TASK, queue: 'q', enabled: true }],
    ['unknown task', { task: 'no_such_task', enabled: true }],
  ];
  const before = await te.call('control.breaker.get');
  for (const [what, input] of bad) {
    const result = await te.engine.call('control.breaker.set', input);
    assert.equal(result.ok, false, what);
    if (!result.ok) {
      assert.equal(result.error.code, 'invalid_input', what);
      assert.equal(HTTP_STATUS[result.error.code], 400, what);
    }
  }
  assert.deepEqual(await te.call('control.breaker.get'), before);
});

test('a 429 storm trips the breaker, which pauses the task and resumes it at the time the provider named', async () => {
  const set = await te.call('control.breaker.set', { task: TASK, enabled: true, minAttempts: 5 });
  assert.deepEqual(
    { ...set, window: null },
    {
      kind: 'task',
      name: TASK,
      enabled: true,
      thresholdPct: 50,
      windowMinutes: 5,
      minAttempts: 5,
      cooldownSeconds: 300,
      state: 'closed',
      trippedAt: null,
      resumeAt: null,
      reason: null,
      window: null,
    },
  );
  // A job of another task that succeeds is no part of this task's window.
  await addJobs('cd_ok', 5, {});
  await addJobs(TASK, 8, { message: STORM });

  const tripped = await waitForBreaker(
    'the breaker to trip',
    async () => (await te.call('control.breaker.get')).breakers.find((b) => b.state === 'tripped'),
    30_000,
  );
  assert.match(tripped.reason ?? '', /rate-limited .*\(the time the provider named\)/);

  // The pause lives in the database, made by the breaker, ending at the named time.
  const pause = (await te.call('control.list')).pauses.find((p) => p.kind === 'task' && p.name === TASK);
  assert.ok(pause);
  assert.equal(pause.pausedBy, 'breaker');
  assert.equal(pause.until, tripped.resumeAt);
  // While it holds, a new job of the task is parked, not run.
  await addJobs(TASK, 1, { message: STORM });
  await waitFor('the new job parked by the pause', async () => {
    const { rows } = await db.pool.query<{ n: number }>(
      `select count(*)::int as n from graphile_worker.jobs where task_identifier = $1 and attempts = 0 and run_at = $2::timestamptz`,
      [TASK, PARKED_RUN_AT],
    );
    return rows[0].n === 1;
  });
  const trippedEvent = events.find((e) => e.type === 'breaker' && e.action === 'tripped');
  assert.deepEqual(trippedEvent && { ...trippedEvent, reason: '' }, {
    type: 'breaker',
    action: 'tripped',
    target: { kind: 'task', name: TASK },
    reason: '',
    resumeAt: tripped.resumeAt,
  });

  // The trip raised an alert (one episode, on every channel), named after the task.
  const alert = (await te.call('alerts.list', { state: 'firing' })).alerts.find((a) => a.key.endsWith(`breaker:task:${TASK}`));
  assert.ok(alert, 'the trip is an alert');
  assert.equal(alert.severity, 'critical');
  assert.match(alert.title, new RegExp(`Circuit breaker tripped: task ${TASK} paused`));
  assert.ok(alert.fields.some((f) => f.title === 'Resumes at' && f.value === tripped.resumeAt));

  const resumed = await waitForBreaker(
    'the breaker to resume',
    async () => (await te.call('control.breaker.get')).breakers.find((b) => b.state === 'closed'),
    NAMED_MS + 30_000,
  );
  // Not before the named time.
  assert.ok(Date.parse(resumed.resumeAt!) >= Date.parse(tripped.resumeAt!), `${resumed.resumeAt} before ${tripped.resumeAt}`);
  assert.equal((await te.call('control.list')).pauses.length, 0);
  assert.ok(events.some((e) => e.type === 'breaker' && e.action === 'resumed' && e.target.name === TASK && e.resumeAt === null));
  // The job added during the pause runs once resumed (and fails with its 429, as the storm goes on).
  await waitFor('the job held by the pause to run', async () => {
    const { rows } = await db.pool.query<{ n: number }>(
      `select count(*)::int as n from graphile_worker.jobs where task_identifier = $1 and attempts = 0`,
      [TASK],
    );
    return rows[0].n === 0;
  });

  const audit = await te.call('audit.list', { limit: 50 });
  const trip = audit.find((a) => a.action === 'control.breaker.trip');
  const resume = audit.find((a) => a.action === 'control.breaker.resume');
  assert.ok(trip && resume, JSON.stringify(audit.map((a) => a.action)));
  assert.equal(trip.actor, 'breaker');
  assert.deepEqual(trip.target, { task: TASK });
  // The time named: 20 s after the last rate-limit error the history had recorded when it tripped.
  const detail = trip.detail as { resumeAt: string; named: { at: string; error: string } };
  assert.equal(detail.resumeAt, tripped.resumeAt);
  assert.equal(Date.parse(tripped.resumeAt!), Date.parse(detail.named.at) + NAMED_MS);
  assert.ok(detail.named.error.startsWith(STORM), detail.named.error);
  // The failure it named is in the history. The trip may have read the watcher's guess of that failure's time, which
  // the runner's exact account replaces when it arrives (history/exact-attempts.ts): the same failure, its time
  // within the window in which a guess and an account are taken for one.
  const failures = await te.call('history.list', { task: TASK, errorType: 'rate_limit' });
  const named = Date.parse(detail.named.at);
  assert.ok(
    failures.rows.some((f) => Math.abs(Date.parse(f.at) - named) < SAME_FAILURE_MS),
    `${detail.named.at} not among ${failures.rows.map((f) => f.at).join(', ')}`,
  );
  assert.equal(resume.actor, 'breaker');
  assert.ok(audit.some((a) => a.action === 'control.breaker.set'));
});

test('a storm whose errors name no time pauses the task for the cool-down', async () => {
  const task = 'cd_fail_as';
  await addJobs(task, 1, { messages: ['a first failure that is no rate limit'] });
  await te.call('control.breaker.set', { task, enabled: true, minAttempts: 5, cooldownSeconds: 3 });
  await addJobs(task, 6, { messages: ['Error code: 429 - Too Many Requests'] });
  const tripped = await waitForBreaker(
    'the breaker to trip',
    async () => (await te.call('control.breaker.get')).breakers.find((b) => b.name === task && b.state === 'tripped'),
    30_000,
  );
  assert.equal(Date.parse(tripped.resumeAt!) - Date.parse(tripped.trippedAt!), 3_000);
  assert.match(tripped.reason ?? '', /after the 3 s cool-down/);
  const trip = (await te.call('audit.list', { limit: 50 })).find(
    (a) => a.action === 'control.breaker.trip' && JSON.stringify(a.target).includes(task),
  );
  assert.equal((trip?.detail as { named: unknown }).named, null);
  await waitForBreaker(
    'the breaker to resume',
    async () => (await te.call('control.breaker.get')).breakers.find((b) => b.name === task && b.state === 'closed'),
    30_000,
  );
  assert.ok(!(await te.call('control.list')).pauses.some((p) => p.name === task));
});

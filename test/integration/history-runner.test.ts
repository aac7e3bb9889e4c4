import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { MESSAGES_BY_TYPE } from '../fixtures/history-messages.ts';
import { startChildWorker, type ChildWorker } from '../fixtures/history-child.ts';
import type { FailedAttempt, HistorySummary } from '../../src/shared/model/history.ts';

const TYPES = Object.keys(MESSAGES_BY_TYPE);

/**
 * A fresh database and an engine with the hosted runner on the history tasks: one per test, closed (with the
 * separate worker, when the test started one) when the test ends.
 */
async function startHistory(t: TestContext) {
  const db: TestPostgres = await startTestPostgres();
  const open: { te?: TestEngine; child?: ChildWorker } = {};
  t.after(async () => {
    await open.child?.stop();
    await open.te?.close();
    await db.close();
  });
  const te = (open.te = await startTestEngine({
    databaseUrl: db.connectionString,
    runner: true,
    concurrency: 4,
    taskDirectory: path.resolve(import.meta.dirname, '../fixtures/history-tasks'),
  }));
  const history = () => te.engine.parts.history;

  async function allAttempts(filter: Record<string, unknown> = {}): Promise<FailedAttempt[]> {
    const rows: FailedAttempt[] = [];
    let cursor: string | undefined;
    do {
      const page = await te.call('history.list', { ...filter, limit: 7, ...(cursor ? { cursor } : {}) });
      rows.push(...page.rows);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return rows;
  }

  /** Adds one job per error type for `task`, each allowed `maxAttempts` tries. */
  async function addFailing(task: string, maxAttempts: number): Promise<void> {
    for (const type of TYPES) {
      await db.pool.query(`select graphile_worker.add_job($1, $2::json, max_attempts => $3, job_key => $4)`, [
        task,
        JSON.stringify({ message: MESSAGES_BY_TYPE[type] }),
        maxAttempts,
        `${task}-${type}`,
      ]);
    }
  }

  /** Starts the separate graphile-worker process (stopped when the test ends). */
  async function startChild(): Promise<ChildWorker> {
    open.child = await startChildWorker(db.connectionString);
    return open.child;
  }

  /** Waits until `task` has at least `n` failed attempts in the history. */
  const failedAttempts = (task: string, n: number, timeoutMs = 30_000) =>
    waitFor(
      `${n} failed attempts of ${task}`,
      async () => {
        const r = await allAttempts({ task });
        return r.length >= n ? r : null;
      },
      timeoutMs,
    );

  return { db, te, history, allAttempts, addFailing, startChild, failedAttempts };
}

/** The chart's buckets hold every failure and success the summary counts. */
function assertSeriesHoldsCounts(s: HistorySummary): void {
  assert.equal(
    s.buckets.reduce((n, b) => n + b.failures, 0),
    s.failures,
  );
  assert.equal(
    s.buckets.reduce((n, b) => n + b.successes, 0),
    s.successes,
  );
}

test('the hosted runner: every failed attempt kept exactly once, classified, timed, with its pool', async (t) => {
  const { db, te, history, allAttempts, addFailing } = await startHistory(t);
  await addFailing('hist_fail', 1);
  // One job that fails twice (attempt 1, then its retry after ~2.7 s), and successes with known durations.
  await db.pool.query(`select graphile_worker.add_job('hist_fail', $1::json, max_attempts => 2, job_key => 'twice')`, [
    JSON.stringify({ message: MESSAGES_BY_TYPE.rate_limit }),
  ]);
  await db.pool.query(`select graphile_worker.add_job('hist_ok', '{"delayMs": 50}'::json) from generate_series(1, 6)`);

  const rows = await waitFor(
    '13 failed attempts from the runner',
    async () => {
      const r = await allAttempts({ task: 'hist_fail' });
      return r.length >= TYPES.length + 2 ? r : null;
    },
    30_000,
  );
  // The watcher also saw these jobs: force a scan, then nothing may be counted twice.
  await history().watcher()!.scanNow();
  // The runner's account arrives through its companion (a flush, then the reader): a failure the watcher saw
  // first is taken over by it. Wait for that, then every attempt must be there once, in the runner's account.
  const exact = (r: Awaited<ReturnType<typeof allAttempts>>[number]) => r.source === 'runner' && r.durationMs !== null;
  const again = await waitFor('every attempt in the runner’s own account', async () => {
    const r = await allAttempts({ task: 'hist_fail' });
    return r.every(exact) ? r : null;
  });
  assert.equal(again.length, TYPES.length + 2, 'each attempt exactly once, whoever saw it');
  for (const type of TYPES) {
    const ofType = rows.filter((r) => r.error.includes(MESSAGES_BY_TYPE[type].slice(0, 30)));
    assert.ok(ofType.length >= 1, `an attempt failing with the ${type} message`);
    for (const r of ofType) assert.equal(r.errorType, type, `"${r.error}" classified as ${type}`);
  }
  assert.ok(again.every((r) => r.source === 'runner' && r.durationMs !== null && r.poolId?.startsWith('pool-')));
  const twice = again.filter((r) => r.jobId === again.find((x) => x.attempt === 2)?.jobId);
  assert.deepEqual(twice.map((r) => [r.attempt, r.final]).sort(), [
    [1, false],
    [2, true],
  ]);

  const summary = await waitFor('six successes counted', async () => {
    const s = await te.call('history.summary', { window: '1h' });
    return s.successes >= 6 ? s : null;
  });
  assert.equal(summary.successes, 6);
  assert.equal(summary.failures, TYPES.length + 2);
  assert.equal(summary.byType.find((t) => t.type === 'rate_limit')?.count, 3);
  for (const type of TYPES)
    assert.ok(
      summary.byType.some((t) => t.type === type),
      `${type} in the breakdown`,
    );
  assert.equal(summary.durations.count, 6 + TYPES.length + 2, 'every run timed');
  assert.ok(summary.durations.p95Ms! >= 50 && summary.durations.avgMs! >= 20);
  assertSeriesHoldsCounts(summary);
  assert.ok(summary.buckets.length <= 61, `one bucket per minute of the hour, got ${summary.buckets.length}`);
  assert.ok(
    summary.buckets.every((b) => b.t % summary.bucketMs === 0),
    'buckets aligned to whole minutes',
  );
  // Longer windows read the 15-minute rollup kept by triggers: the same counts.
  const day = await te.call('history.summary', { window: '24h' });
  assert.deepEqual(day.byType, summary.byType);
  assert.equal(day.failures, summary.failures);
  assert.equal(day.successRate24h, summary.successRate24h);
  // A history minutes old, in the 24 h window: charted per minute from its first minute, not as one sliver of 96
  // quarter-hour buckets. The series holds every count, and the window itself still starts a day ago.
  assert.equal(day.bucketMs, 60_000);
  assert.equal(day.chartFrom, new Date(Math.floor(Date.parse(day.firstAt!) / 60_000) * 60_000).toISOString());
  assert.ok(Date.parse(day.from) <= Date.parse(day.to) - 24 * 3600_000 + 15 * 60_000, 'the window is the day');
  assert.ok(day.buckets.length <= 62 && day.buckets[0].t === Date.parse(day.chartFrom), `${day.buckets.length} buckets`);
  assertSeriesHoldsCounts(day);
  assert.equal(summary.chartFrom, summary.from, 'the hour window charts the whole hour');
  // Throughput divides by the time the history covers (from its first event), not by the whole window.
  assert.ok(summary.firstAt && Date.parse(summary.firstAt) >= Date.parse(summary.from), 'first event inside the window');
  const covered = Math.max(Date.parse(summary.to) - Date.parse(summary.firstAt), 60_000) / 60_000;
  assert.ok(Math.abs(summary.perMinute - (summary.successes + summary.failures) / covered) < 1e-9);
  assert.ok(day.perMinute > ((day.successes + day.failures) / (24 * 60)) * 100, `24 h throughput not diluted: ${day.perMinute}/min`);
});

test('a separate graphile-worker process: the watcher finds every failure and completion', async (t) => {
  const { db, te, history, allAttempts, addFailing, startChild } = await startHistory(t);
  const addedAt = Date.now();
  await addFailing('ext_fail', 1);
  await db.pool.query(`select graphile_worker.add_job('ext_fail', $1::json, max_attempts => 2, job_key => 'ext-twice')`, [
    JSON.stringify({ message: MESSAGES_BY_TYPE.timeout }),
  ]);
  await db.pool.query(`select graphile_worker.add_job('ext_ok', '{}'::json) from generate_series(1, 5)`);
  // The watcher sees the jobs before they run: a job created and finished between two scans is invisible.
  await history().watcher()!.scanNow();
  await startChild();

  const rows = await waitFor(
    '12 failed attempts seen by the watcher',
    async () => {
      const r = await allAttempts({ task: 'ext_fail' });
      return r.length >= TYPES.length + 2 ? r : null;
    },
    30_000,
  );
  await history().watcher()!.scanNow();
  assert.equal((await allAttempts({ task: 'ext_fail' })).length, TYPES.length + 2);
  for (const r of rows) {
    const type = TYPES.find((t) => MESSAGES_BY_TYPE[t] === r.error);
    assert.equal(r.errorType, type, `"${r.error}" classified as ${type}`);
    assert.equal(r.source, 'watch');
    // Estimated from run_at: after the job was added (give or take the rounding of the backoff), never in the future.
    assert.ok(Date.parse(r.at) >= addedAt - 1_000 && Date.parse(r.at) <= Date.now(), `failure time ${r.at} estimated from run_at`);
  }
  const twice = rows.filter((r) => r.error === MESSAGES_BY_TYPE.timeout && r.attempt <= 2 && r.final === (r.attempt === 2));
  assert.ok(twice.length >= 2, 'both attempts of the job that failed twice');

  // The five quick jobs may still be finishing when the last failure is seen: wait for the queue to drain.
  await waitFor('the five quick jobs completed', async () => {
    const { rows: left } = await db.pool.query<{ n: number }>(
      `select count(*)::int as n from graphile_worker.jobs where task_identifier = 'ext_ok'`,
    );
    return left[0].n === 0;
  });
  const summary = await waitFor('five completions seen', async () => {
    await history().watcher()!.scanNow();
    const s = await te.call('history.summary', { window: '1h', task: 'ext_ok' });
    return s.successes >= 5 ? s : null;
  });
  assert.equal(summary.successes, 5);
  // Cross-check SQLite against Postgres: permanently failed jobs there = final attempts here.
  const { rows: failed } = await db.pool.query<{ n: number }>(
    `select count(*)::int as n from graphile_worker.jobs where task_identifier = 'ext_fail' and attempts >= max_attempts`,
  );
  assert.equal(rows.filter((r) => r.final).length, failed[0].n);
});

test('a reschedule is not a failure; the failures of a manual retry are new rows', async (t) => {
  const { db, history, allAttempts, addFailing, startChild, failedAttempts } = await startHistory(t);
  // Jobs of the separate worker that failed for good, every failure seen by the watcher.
  await addFailing('ext_fail', 1);
  await history().watcher()!.scanNow();
  await startChild();
  await failedAttempts('ext_fail', TYPES.length);
  await history().watcher()!.scanNow();
  const before = (await allAttempts({ task: 'ext_fail' })).length;
  const { rows: jobs } = await db.pool.query<{ id: string }>(
    `select id from graphile_worker.jobs where task_identifier = 'ext_fail' and attempts >= max_attempts order by id limit 3`,
  );
  const ids = jobs.map((j) => j.id);
  // Moving run_at bumps updated_at (the generation) but nothing failed.
  await db.pool.query(`select graphile_worker.reschedule_jobs($1::bigint[], run_at => now() + interval '1 hour')`, [ids]);
  await history().watcher()!.scanNow();
  assert.equal((await allAttempts({ task: 'ext_fail' })).length, before);
  // A retry (attempts := 0, as Jobdeck's retry does): the separate worker fails them again.
  await db.pool.query(`select graphile_worker.reschedule_jobs($1::bigint[], run_at => now(), attempts => 0)`, [ids]);
  const after = await waitFor(
    'the retried jobs to fail again',
    async () => {
      const r = await allAttempts({ task: 'ext_fail' });
      return r.length >= before + ids.length ? r : null;
    },
    20_000,
  );
  assert.equal(after.length, before + ids.length);
  for (const id of ids)
    assert.equal(after.filter((r) => r.jobId === Number(id) && r.attempt === 1).length, 2, `job ${id}: two first attempts`);
});

test('changing the rules reclassifies the kept history', async (t) => {
  const { db, te, history, allAttempts, addFailing, failedAttempts } = await startHistory(t);
  // Failures of every type from the hosted runner, the "other" one twice.
  await addFailing('hist_fail', 1);
  await db.pool.query(`select graphile_worker.add_job('hist_fail', $1::json, max_attempts => 1, job_key => 'other-again')`, [
    JSON.stringify({ message: MESSAGES_BY_TYPE.other }),
  ]);
  await failedAttempts('hist_fail', TYPES.length + 1);
  await history().settled();
  const before = await allAttempts({ errorType: 'other' });
  assert.ok(before.length >= 2);
  await te.call('history.rules.set', {
    rules: [
      { id: 'ollama-missing-model', pattern: 'not found, try pulling', type: 'model_missing', label: 'Model missing', color: '#123456' },
    ],
  });
  await history().settled();
  const moved = await allAttempts({ errorType: 'model_missing' });
  assert.equal(moved.length, before.length);
  const week = await te.call('history.summary', { window: '7d' });
  assert.equal(week.byType.find((t) => t.type === 'model_missing')?.count, before.length, 'the rollup follows the reclassification');
  assert.equal(
    week.byType.find((t) => t.type === 'other'),
    undefined,
  );
  const rules = await te.call('history.rules.get');
  assert.ok(rules.types.some((t) => t.type === 'model_missing' && t.color === '#123456'));
  await assert.rejects(te.call('history.rules.set', { rules: [{ id: 'bad', pattern: '(?<name>x)', type: 'x' }] }), /named groups/);
  assert.equal((await te.call('history.rules.get')).rules.length, 1, 'a bad rule changes nothing');
  // RE2 takes this one; Postgres does not ("too complex"), and every filter by error type would fail with it.
  await assert.rejects(
    te.call('history.rules.set', { rules: [{ id: 'heavy', pattern: '(x|\\b){20}y', type: 'gpu_oom' }] }),
    /Rule "heavy": Postgres cannot run this pattern \(invalid regular expression: regular expression is too complex\)/,
  );
  assert.equal((await te.call('history.rules.get')).rules.length, 1, 'nothing was saved');
  assert.equal(typeof (await te.call('jobs.count', { filter: { errorType: 'gpu_oom' } })).value, 'number', 'the filter still works');
  // The built-in classification again, for whatever runs next.
  await te.call('history.rules.set', { rules: [] });
  await history().settled();
});

test('retention removes what is older than the setting, in batches, and keeps the rest', async (t) => {
  const { te, allAttempts, addFailing, failedAttempts } = await startHistory(t);
  // Recent history, which retention must keep.
  await addFailing('hist_fail', 1);
  await failedAttempts('hist_fail', TYPES.length);
  const db = te.engine.parts.db;
  const kept = (await allAttempts()).length;
  const old = Date.now() - 3 * 24 * 3600_000;
  // 5,000 attempts and 5,000 success minutes from three days ago: more than one batch of each.
  db.prepare(
    `with recursive s(i) as (select 1 union all select i + 1 from s where i < 5000)
     insert into failure_attempts (connection_id, job_id, generation, task, attempt, at, error, error_type, source)
     select 'old-db', i, 0, 'old_task', 1, ? - i, 'Request timeout after 300 seconds', 'timeout', 'watch' from s`,
  ).run(old);
  db.prepare(
    `with recursive s(i) as (select 1 union all select i + 1 from s where i < 5000)
     insert into success_minutes (connection_id, task, minute, successes) select 'old-db', 'old_task', ? - i, 1 from s`,
  ).run(Math.floor(old / 60_000));
  const status = await te.call('history.retention.set', { days: 2 });
  assert.equal(status.retentionDays, 2);
  assert.equal((db.prepare(`select count(*) as n from failure_attempts where connection_id = 'old-db'`).get() as { n: number }).n, 0);
  assert.equal((db.prepare(`select count(*) as n from success_minutes where connection_id = 'old-db'`).get() as { n: number }).n, 0);
  assert.equal((db.prepare(`select count(*) as n from failure_quarters where connection_id = 'old-db'`).get() as { n: number }).n, 0);
  assert.equal((await allAttempts()).length, kept, 'recent history untouched');
});

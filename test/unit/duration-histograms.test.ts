/**
 * Processing times (avg and p95) are read from duration histograms per task and slot (duration_rollups), not by
 * sorting every run of the window: the avg stays exact, the p95 within 4.5 % of the exact nearest-rank value (and
 * exact when its bucket holds one value), for every window. The runs recorded before the rollups existed are counted
 * in the background, in chunks, resuming after a stop; retention removes the histograms with the runs.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/engine/store/db.ts';
import { MIGRATIONS } from '../../src/engine/store/migrations/index.ts';
import { attemptsRepo } from '../../src/engine/history/attempts-repo.ts';
import { exactAttemptsRepo, type ExactAttempt } from '../../src/engine/history/exact-attempts.ts';
import { DURATION_BUCKET_SQL, durationBucket, spanFor } from '../../src/engine/history/duration-buckets.ts';
import { backfillDurations } from '../../src/engine/history/duration-backfill.ts';
import { enforceRetention } from '../../src/engine/history/maintenance.ts';
import { summarize } from '../../src/engine/history/summary.ts';
import { classifyError } from '../../src/shared/errors/index.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-durations-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

/** A deterministic spread of durations like an LLM task's: most runs 0.3-3 s, a tail to a minute, a few cache hits. */
function durationsOf(n: number, seed = 7): number[] {
  let x = seed;
  const next = () => (x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, (_, i) => {
    if (i % 50 === 0) return next() * 2; // a cache hit, under 2 ms
    const r = next();
    return Math.round((r < 0.9 ? 300 + r * 3000 : 3000 + (r - 0.9) * 570_000) * 1000) / 1000;
  });
}

function run(jobId: number, task: string, durationMs: number, outcome: ExactAttempt['outcome'], finishedAt: number): ExactAttempt {
  return {
    connectionId: 'c1',
    jobId,
    task,
    queue: null,
    attempt: 1,
    maxAttempts: 3,
    startedAt: finishedAt - durationMs,
    finishedAt,
    durationMs,
    outcome,
    error: outcome === 'success' ? null : 'Error code: 429 - quota',
    poolId: 'pool-a',
    source: 'companion',
    sourceId: jobId,
    generation: 0,
  };
}

/** The exact nearest-rank p95, as the summary computed it before the histograms. */
function exactP95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1];
}

test("the bucket of a duration is the same in SQL (the backfill's) as in the engine; each window reads slots of its chart's bucket", () => {
  const mem = new Database(':memory:');
  try {
    const bucketSql = mem.prepare(`select ${DURATION_BUCKET_SQL} as b from (select ? as duration_ms)`).pluck();
    for (const ms of [0, 0.4, 1, 1.0001, 1.5, 2, 3, 999.9, 1000, 1000.5, 65_536, 3_600_000, 604_800_000, ...durationsOf(500)]) {
      assert.equal(bucketSql.get(ms), durationBucket(ms), `${ms} ms`);
    }
  } finally {
    mem.close();
  }
  // The windows' chart buckets (1 min, 15 min, 2 h, 12 h): whole numbers of the slots they read.
  assert.deepEqual([60_000, 900_000, 7_200_000, 43_200_000].map(spanFor), [1, 15, 120, 120]);
});

test('avg is exact and p95 within 4.5 % of the exact value, per task too; cancelled runs are not processing times', () => {
  const db = openStore(path.join(dir, 'summary.sqlite'));
  try {
    const exact = exactAttemptsRepo(db, attemptsRepo(db), classifyError);
    const values = durationsOf(3_000);
    // Over the last 50 minutes, two tasks, one run in ten a failure (its time counts), and cancels (theirs does not).
    const runs = values.map((ms, i) =>
      run(i + 1, i % 3 === 0 ? 'summarize' : 'enrich', ms, i % 10 === 0 ? 'failure' : 'success', NOW - 50 * 60_000 + i * 1_000),
    );
    const cancels = [5_000_000, 7_000_000].map((ms, i) => run(10_000 + i, 'summarize', ms, 'cancelled', NOW - 60_000));
    // In pages, as the reader writes them: a minute's histogram grows across pages.
    for (let i = 0; i < runs.length; i += 700) db.transaction(() => exact.recordMany(runs.slice(i, i + 700)))();
    db.transaction(() => exact.recordMany(cancels))();

    for (const task of [undefined, 'summarize', 'enrich']) {
      const mine = runs.filter((r) => !task || r.task === task).map((r) => r.durationMs);
      const { durations } = summarize(db, 'c1', '1h', [], task, NOW);
      assert.equal(durations.count, mine.length, `${task ?? 'all'}: every run that ended on its own`);
      assert.equal(durations.avgMs, Math.round(mine.reduce((t, ms) => t + ms, 0) / mine.length), `${task ?? 'all'}: avg`);
      const want = exactP95(mine);
      const error = Math.abs(durations.p95Ms! - want) / want;
      assert.ok(error <= 0.045, `${task ?? 'all'}: p95 ${durations.p95Ms} against exact ${want} (${(error * 100).toFixed(1)} %)`);
    }
    // The same account twice (another page read again) adds nothing.
    db.transaction(() => exact.recordMany(runs.slice(0, 100)))();
    assert.equal(summarize(db, 'c1', '1h', [], undefined, NOW).durations.count, runs.length);
  } finally {
    db.close();
  }
});

test('the runs recorded before the rollups are counted in the background, in chunks, resuming after a stop; retention removes them with the runs', async () => {
  const file = path.join(dir, 'old.sqlite');
  const old = openStore(file, { migrations: MIGRATIONS.filter((m) => m.id < 21) });
  const values = durationsOf(400, 11);
  // One run an hour, from 10 minutes ago back about 17 days, at any second of the minute; one in seven cancelled.
  const finishedAt = (i: number) => NOW - 10 * 60_000 - i * 3_600_000 - (i % 60) * 1_000 - 137;
  try {
    // As the engine wrote them before: job_attempts alone.
    const insert = old.prepare(
      `insert into job_attempts (connection_id, job_id, task, queue, attempt, max_attempts, started_at, finished_at, duration_ms,
                                 outcome, pool_id, source, source_id)
       values ('c1', ?, 'summarize', null, 1, 3, ?, ?, ?, ?, 'pool-a', 'companion', ?)`,
    );
    old.transaction(() => {
      values.forEach((ms, i) =>
        insert.run(i + 1, Math.round(finishedAt(i) - ms), finishedAt(i), ms, i % 7 === 0 ? 'cancelled' : 'success', i + 1),
      );
    })();
  } finally {
    old.close();
  }
  let db = openStore(file);
  const since = (days: number) => values.filter((_, i) => i % 7 !== 0 && finishedAt(i) >= NOW - days * 24 * 3_600_000);
  const counted = (window: '1h' | '24h' | '7d' | '30d') => summarize(db, 'c1', window, [], undefined, NOW).durations;
  try {
    assert.equal(counted('30d').count, 0, 'nothing counted at the start: it would hold the first start');
    // A run recorded after the upgrade is counted as it is written, not again by the backfill.
    const exact = exactAttemptsRepo(db, attemptsRepo(db), classifyError);
    db.transaction(() => exact.recordMany([run(5_000, 'summarize', 1234, 'success', NOW - 5 * 60_000)]))();
    const upTo = db.prepare('select up_to from duration_backfill').pluck().get() as number;
    assert.equal(upTo, values.length, 'to be counted: up to the last run recorded before');
    // A start that stopped part of the way leaves its progress: counted up to id 150 (in chunks of 40), the rest to
    // count at the next start, from there.
    db.prepare('update duration_backfill set up_to = 150').run();
    await backfillDurations(db, 40);
    db.prepare('insert into duration_backfill (up_to, done) values (?, 150)').run(upTo);
  } finally {
    db.close();
  }
  db = openStore(file);
  try {
    await backfillDurations(db, 40);
    assert.equal(db.prepare('select count(*) from duration_backfill').pluck().get(), 0, 'done, and said so');
    const withNew = (list: number[]) => [...list, 1234];
    for (const [window, days] of [
      ['7d', 7],
      ['30d', 30],
      ['24h', 1],
    ] as const) {
      const want = withNew(since(days));
      const got = counted(window);
      assert.equal(got.count, want.length, `${window}: every run that ended on its own, once`);
      assert.equal(got.avgMs, Math.round(want.reduce((t, ms) => t + ms, 0) / want.length), `${window}: avg`);
      const error = Math.abs(got.p95Ms! - exactP95(want)) / exactP95(want);
      assert.ok(error <= 0.045, `${window}: p95 ${got.p95Ms} against exact ${exactP95(want)}`);
    }

    const slotRuns = (span: number) =>
      db.prepare('select coalesce(sum(runs), 0) from duration_rollups where span = ?').pluck().get(span) as number;
    for (const span of [1, 15, 120]) assert.equal(slotRuns(span), withNew(since(30)).length, `every run in each slot width (${span} min)`);
    // A retention of 30 days: runs are kept 14 days at most, and their rollups as long as a window reads them: two-hour
    // slots 14 days, quarter hours 2, minutes 1.
    await enforceRetention(db, 30, NOW);
    assert.ok(since(14).length < since(30).length, 'the retention had runs to remove');
    assert.deepEqual(
      [1, 15, 120].map(slotRuns),
      [withNew(since(1)).length, withNew(since(2)).length, withNew(since(14)).length],
      'the runs of each slot width kept',
    );
    // Every window still reads all of its runs.
    for (const [window, days] of [
      ['24h', 1],
      ['7d', 7],
      ['30d', 14],
    ] as const) {
      assert.equal(counted(window).count, withNew(since(days)).length, `${window} after the retention`);
    }
  } finally {
    db.close();
  }
});

import type { Db } from '../store/db.ts';
import {
  HISTORY_WINDOWS,
  type DurationFigures,
  type HistoryBucket,
  type HistorySummary,
  type HistoryWindow,
  type TaskFigures,
  type TypeCount,
} from '../../shared/model/history.ts';
import type { ErrorTypeInfo } from '../../shared/errors/index.ts';
import { failureRollup } from './failure-rollup.ts';
import { bucketPercentile, spanFor, type BucketRow } from './duration-buckets.ts';

/** Chart resolution per window: 60, 96, 84 and 60 buckets. */
const BUCKET_MS: Record<HistoryWindow, number> = {
  '1h': 60_000,
  '24h': 15 * 60_000,
  '7d': 2 * 3600_000,
  '30d': 12 * 3600_000,
};

/**
 * Where failure counts come from: the attempts themselves for the last hour (per-minute buckets), the
 * 15-minute rollup (failure-rollup.ts) for longer windows (their buckets are whole multiples of 15 minutes).
 */
function failureSource(window: HistoryWindow) {
  return window === '1h'
    ? { table: 'failure_attempts', n: 'count(*)', at: 'at', since: 'at >= @from' }
    : { table: 'failure_quarters', n: 'sum(n)', at: 'slot * 900000', since: 'slot >= @fromSlot' };
}

const rate = (successes: number, failures: number) => (successes + failures > 0 ? successes / (successes + failures) : null);

/** Figures and chart series for one window, all from SQLite (so they work offline). */
export function summarize(
  db: Db,
  connectionId: string | null,
  window: HistoryWindow,
  types: ErrorTypeInfo[],
  task?: string,
  now = Date.now(),
): HistorySummary {
  const bucketMs = BUCKET_MS[window];
  // Buckets are aligned, so the first one starts at or before the window's start.
  const from = Math.floor((now - HISTORY_WINDOWS[window] * 60_000) / bucketMs) * bucketMs;
  // Integer bucket arithmetic: cast() because better-sqlite3 may bind a JS number as a REAL.
  const p = {
    c: connectionId ?? '',
    from,
    b: bucketMs,
    task: task ?? null,
    fromMinute: Math.floor(from / 60_000),
    fromSlot: Math.floor(from / 900_000),
  };
  const taskCond = task ? 'and task = @task' : '';
  const f = failureSource(window);
  // Attempts written by a path that has not folded them yet are counted before the rollup is read.
  failureRollup(db).fold();

  const byType = db
    .prepare(
      `select error_type as type, ${f.n} as count from ${f.table}
       where connection_id = @c and ${f.since} ${taskCond} group by error_type order by count desc`,
    )
    .all(p) as TypeCount[];

  const byTask = taskFigures(db, p, taskCond, f);
  const failures = byType.reduce((s, r) => s + r.count, 0);
  // Throughput over the time history actually covers: a window longer than the recording would dilute it.
  // The attempts themselves (not the 15-minute rollup) so that a fresh history starts at its real first event.
  const firstRow = db
    .prepare(
      `select min(t) as t from (
         select min(at) as t from failure_attempts where connection_id = @c and at >= @from ${taskCond}
         union all select min(minute) * 60000 from success_minutes where connection_id = @c and minute >= @fromMinute ${taskCond})`,
    )
    .get(p) as { t: number | null };
  const firstAt = firstRow.t === null ? null : Math.max(firstRow.t, from);
  // A history younger than an hour, shown in a longer window, is charted per minute from its first event: the
  // window's 15-minute (or longer) buckets drew it as a sliver at the right edge of an empty chart.
  const young = window !== '1h' && firstAt !== null && now - firstAt < 3600_000;
  const chart = young ? { ...p, from: Math.floor(firstAt / 60_000) * 60_000, b: 60_000, fromMinute: Math.floor(firstAt / 60_000) } : p;
  const buckets = series(db, chart, taskCond, young ? failureSource('1h') : f, now);
  // Every success of the window is in the series (a young history's chart starts at its first event).
  const successes = buckets.reduce((n, b) => n + b.successes, 0);
  // At least a minute: the success counts have minute resolution, and one event would read as an absurd rate.
  const perMinute = firstAt === null ? 0 : (successes + failures) / (Math.max(now - firstAt, 60_000) / 60_000);
  // The last 24 hours to the quarter hour (the rollup's resolution).
  const dayStart = now - 24 * 3600_000;
  const day = { ...p, fromSlot: Math.floor(dayStart / 900_000), fromMinute: Math.floor(dayStart / 60_000) };
  const failures24 = (
    db
      .prepare(`select coalesce(sum(n), 0) as n from failure_quarters where connection_id = @c and slot >= @fromSlot ${taskCond}`)
      .get(day) as { n: number }
  ).n;
  const successes24 = (
    db
      .prepare(
        `select coalesce(sum(successes), 0) as n from success_minutes where connection_id = @c and minute >= @fromMinute ${taskCond}`,
      )
      .get(day) as { n: number }
  ).n;

  const finalFailures = (fromMs: number) =>
    (
      db
        .prepare(`select count(*) as n from failure_attempts where connection_id = @c and final = 1 and at >= @from ${taskCond}`)
        .get({ ...p, from: fromMs }) as { n: number }
    ).n;
  const ended = (succeeded: number, failed: number) => ({ succeeded, failed, successRate: rate(succeeded, failed) });

  return {
    connectionId,
    window,
    // Final outcomes: every success ends its job; a failure ends it only when no attempt was left.
    ended: ended(successes, finalFailures(from)),
    ended24h: ended(successes24, finalFailures(dayStart)),
    from: new Date(from).toISOString(),
    to: new Date(now).toISOString(),
    bucketMs: chart.b,
    chartFrom: new Date(chart.from).toISOString(),
    failures,
    successes,
    successRate: rate(successes, failures),
    successRate24h: rate(successes24, failures24),
    firstAt: firstAt === null ? null : new Date(firstAt).toISOString(),
    perMinute,
    byType,
    buckets,
    byTask,
    durations: durations(db, p, taskCond),
    types,
  };
}

/** The chart's series: a bucket per `b` ms from `from` to `now`, failures by type and successes in each. */
function series(
  db: Db,
  p: { c: string; from: number; b: number; task: string | null; fromMinute: number; fromSlot: number },
  taskCond: string,
  f: ReturnType<typeof failureSource>,
  now: number,
): HistoryBucket[] {
  const buckets = new Map<number, HistoryBucket>();
  const bucket = (t: number) => {
    let b = buckets.get(t);
    if (!b) buckets.set(t, (b = { t, successes: 0, failures: 0, byType: {} }));
    return b;
  };
  for (let t = p.from; t <= now; t += p.b) bucket(t);
  const failRows = db
    .prepare(
      `select cast(${f.at} / @b as integer) * @b as t, error_type as type, ${f.n} as n from ${f.table}
       where connection_id = @c and ${f.since} ${taskCond} group by 1, 2`,
    )
    .all(p) as { t: number; type: string; n: number }[];
  for (const r of failRows) {
    const b = bucket(r.t);
    b.failures += r.n;
    b.byType[r.type] = (b.byType[r.type] ?? 0) + r.n;
  }
  const okRows = db
    .prepare(
      `select cast(minute * 60000 / @b as integer) * @b as t, sum(successes) as n from success_minutes
       where connection_id = @c and minute >= @fromMinute ${taskCond} group by 1`,
    )
    .all(p) as { t: number; n: number }[];
  for (const r of okRows) bucket(r.t).successes += r.n;
  return [...buckets.values()].sort((a, b) => a.t - b.t);
}

function taskFigures(db: Db, p: Record<string, unknown>, taskCond: string, f: ReturnType<typeof failureSource>): TaskFigures[] {
  const tasks = new Map<string, TaskFigures>();
  const get = (task: string) => {
    let t = tasks.get(task);
    if (!t) tasks.set(task, (t = { task, successes: 0, failures: 0, byType: [] }));
    return t;
  };
  const fails = db
    .prepare(
      `select task, error_type as type, ${f.n} as n from ${f.table}
       where connection_id = @c and ${f.since} ${taskCond} group by 1, 2 order by n desc`,
    )
    .all(p) as { task: string; type: string; n: number }[];
  for (const r of fails) {
    const t = get(r.task);
    t.failures += r.n;
    t.byType.push({ type: r.type, count: r.n });
  }
  const oks = db
    .prepare(
      `select task, sum(successes) as n from success_minutes where connection_id = @c and minute >= @fromMinute ${taskCond} group by 1`,
    )
    .all(p) as { task: string; n: number }[];
  for (const r of oks) get(r.task).successes += r.n;
  return [...tasks.values()].sort((a, b) => b.failures - a.failures || a.task.localeCompare(b.task));
}

/**
 * Average (exact) and p95 (nearest rank, within 4.5 % above 1 ms: see duration-buckets.ts) of the runs workers
 * reported, from their histograms; cancelled runs are not in them (a cancelled run was cut short).
 */
function durations(db: Db, p: { c: string; b: number; from: number; task: string | null }, taskCond: string): DurationFigures {
  // Slots of the window's own chart bucket: the window's start is a whole number of them.
  const span = spanFor(p.b);
  const rows = db
    .prepare(
      `select bucket, sum(runs) as runs, sum(total_ms) as totalMs, min(min_ms) as minMs, max(max_ms) as maxMs
       from duration_rollups where connection_id = @c and span = @span and slot >= @slot ${taskCond}
       group by bucket order by bucket`,
    )
    .all({ c: p.c, task: p.task, span, slot: p.from / 60_000 / span }) as BucketRow[];
  const count = rows.reduce((n, r) => n + r.runs, 0);
  if (count === 0) return { count: 0, avgMs: null, p95Ms: null };
  const total = rows.reduce((t, r) => t + r.totalMs, 0);
  return { count, avgMs: Math.round(total / count), p95Ms: Math.round(bucketPercentile(rows, 0.95)!) };
}

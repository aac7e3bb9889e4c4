import type pg from 'pg';
import { FUTURE_MARGIN_MS, JOB_STATES } from '../../shared/model/job-state.ts';
import { emptyCounts, type StateCounts } from '../../shared/model/job-state.ts';
import type { DueFigures, LockHolder, OverviewSnapshot, QueueCounts, TaskCounts } from '../../shared/model/overview.ts';
import { JOB_STATE_WHERE } from '../pg/job-state-sql.ts';
import type { Take } from './wait-samples.ts';
import { PARKED_RUN_AT_ISO } from '../../shared/model/control.ts';

/** Due: not locked, attempts left, run_at passed (graphile-worker's own `is_available and run_at <= now()`). */
export const DUE = 'j.locked_at is null and j.attempts < j.max_attempts and j.run_at <= now()';
/** Not due yet, within the horizon ($1): when each falls due, the monitor moves it without counting again. */
export const SOON = 'j.locked_at is null and j.attempts < j.max_attempts and j.run_at > now() and j.run_at <= now() + $1::interval';
/**
 * Parked by a pause: waiting (not locked, attempts left) at the companion's far-off run_at until resumed. The run_at
 * test first: it fails for nearly every row, and in the other order the two counts cost a tenth of the pass at a
 * million jobs (+19 ms against +4 ms).
 */
export const PARKED = `j.run_at = '${PARKED_RUN_AT_ISO}'::timestamptz and j.locked_at is null and j.attempts < j.max_attempts`;
export const epochMs = (column: string) => `(extract(epoch from ${column}) * 1000)::float8`;

/**
 * How far ahead a count at rest lists the jobs falling due: past it, the monitor counts again. Listing them costs
 * (at a million jobs, about 40,000 run_at values: +40% on the count), so a count made while the tables change,
 * when the next count comes within seconds anyway, lists none.
 */
export const SOON_HORIZON_MS = 150_000;
/** How much of each failure message identifies it (the Stuck view groups failed jobs by it). */
export const FAILED_HEAD_CHARS = 1000;
/** The failures each count lists (the Stuck report adds them to its failed groups rather than reading them all). */
export const RECENT_FAILURES_MS = 30_000;
/**
 * When a job failed: graphile-worker's fail_job sets run_at = greatest(now(), run_at) + exp(least(attempts, 10))
 * seconds, and a job runs only once its run_at has passed. A failure made by hand (permanently_fail_jobs) keeps
 * run_at and moves updated_at: worked back from run_at it lands before updated_at or well after now, and is dated at
 * updated_at (failureTime in shared/model/job-state.ts is the same rule, and says its price). Another formula (a
 * later graphile-worker, an edit by hand) only makes the list miss failures, which the report notices from the
 * counts and reads them all again.
 */
const WORKED_BACK = `(j.run_at - exp(least(j.attempts, 10)) * interval '1 second')`;
export const FAILED_AT = `(case when ${WORKED_BACK} < j.updated_at or ${WORKED_BACK} > now() + interval '${FUTURE_MARGIN_MS} milliseconds'
  then j.updated_at else ${WORKED_BACK} end)`;
export const RECENTLY_FAILED = `${JOB_STATE_WHERE.failed} and ${FAILED_AT} >= now() - interval '${RECENT_FAILURES_MS} milliseconds'`;
/**
 * Recent failures listed per task, queue and pool at most: a storm of failures is not sent whole with every count
 * (the report then reads the failed jobs itself, once).
 */
export const MAX_RECENT_FAILURES = 2000;

/**
 * One sequential pass over `_private_jobs` computes every count (GRAPHILE-WORKER.md: about 125 ms per million
 * rows), grouped by task, queue and holding pool; totals and per-queue figures are summed here rather than
 * re-scanned. The same pass finds the due retries, the oldest due job per group, each pool's newest lock (to
 * judge whether it still runs), and what the Stuck report needs, so that it rarely reads the table itself: every
 * locked job (few: locks are bounded by the pools' concurrency; the takes and their waits come from them), a
 * fingerprint of the permanently failed jobs (their count, the sums of their ids and of their run_at: graphile-worker
 * moves run_at at every failure) that says when their groups changed, and the jobs that failed for good lately. It reads the private table, not the `jobs` view, whose joins and lack of `is_available`
 * make it slower.
 */
const countSql = (listSoon: boolean) => `
  with c as (
    select j.task_id, j.job_queue_id, j.locked_by,
      ${JOB_STATES.map((s) => `count(*) filter (where ${JOB_STATE_WHERE[s]})::int as ${s}`).join(',\n      ')},
      count(*) filter (where ${DUE} and j.attempts > 0)::int as due_retries,
      count(*) filter (where ${PARKED} and j.attempts = 0)::int as parked_new,
      count(*) filter (where ${PARKED} and j.attempts > 0)::int as parked_retries,
      (extract(epoch from now() - min(j.run_at) filter (where ${DUE})) * 1000)::float8 as oldest_due_ms,
      (extract(epoch from now() - max(j.locked_at)) * 1000)::float8 as newest_lock_ms,
      array_agg(array[j.id::text, ${epochMs('j.locked_at')}::text, ${epochMs('j.run_at')}::text, j.attempts::text, j.max_attempts::text])
        filter (where j.locked_at is not null) as locked,
      (sum(j.id) filter (where ${JOB_STATE_WHERE.failed}))::text || '/' ||
        (sum((extract(epoch from j.run_at) * 1000000)::int8) filter (where ${JOB_STATE_WHERE.failed}))::text as failed_print,
      (array_agg(j.id::text || ':' || ${epochMs(`least(now(), ${FAILED_AT})`)}::text || coalesce(':' || left(j.last_error, ${FAILED_HEAD_CHARS}), ''))
        filter (where ${RECENTLY_FAILED}))[1:${MAX_RECENT_FAILURES}] as failed_new,
      count(*) filter (where ${RECENTLY_FAILED})::int as failed_new_n,
      ${
        listSoon
          ? `coalesce(array_agg(${epochMs('j.run_at')}) filter (where ${SOON} and j.attempts = 0), '{}') as soon_ready,
             coalesce(array_agg(${epochMs('j.run_at')}) filter (where ${SOON} and j.attempts > 0), '{}') as soon_retry`
          : `'{}'::float8[] as soon_ready, '{}'::float8[] as soon_retry`
      }
    from graphile_worker._private_jobs j
    group by 1, 2, 3
  )
  select t.identifier as task, q.queue_name as queue,
         q.locked_at is not null as queue_locked, q.locked_by as queue_locked_by, c.locked_by,
         ${JOB_STATES.map((s) => `c.${s}`).join(', ')}, c.due_retries, c.parked_new, c.parked_retries, c.oldest_due_ms, c.newest_lock_ms,
         array_to_string(c.locked, ',') as locked, c.failed_print, c.failed_new, c.failed_new_n,
         array_to_string(c.soon_ready, ',') as soon_ready, array_to_string(c.soon_retry, ',') as soon_retry, ${epochMs('now()')} as db_now
  from c
  join graphile_worker._private_tasks t on t.id = c.task_id
  left join graphile_worker._private_job_queues q on q.id = c.job_queue_id`;

export type CountRow = Record<(typeof JOB_STATES)[number], number> & {
  task: string;
  queue: string | null;
  queue_locked: boolean | null;
  queue_locked_by: string | null;
  locked_by: string | null;
  due_retries: number;
  parked_new: number;
  parked_retries: number;
  oldest_due_ms: number | null;
  newest_lock_ms: number | null;
  /**
   * id, locked_at, run_at, attempts, max_attempts of each locked job, comma-separated (ids may pass 2^53), times in
   * unix ms; null when none is locked. Aggregated as an array per job (array_agg keeps the aggregate parallel and in
   * memory, where json_agg made Postgres plan it single-threaded and spilling to disk: +100 ms at a million jobs),
   * sent as one text: pg's array parser reads character by character, tens of ms for thousands of values.
   */
  locked: string | null;
  /** Null when the group has no permanently failed job. */
  failed_print: string | null;
  /** 'id:failed at ms[:message head]' of the jobs that failed for good in the last RECENT_FAILURES_MS; or null. */
  failed_new: string[] | null;
  failed_new_n: number;
  /** run_at of each job falling due soon, unix ms, comma-separated (as `locked`, one text rather than an array). */
  soon_ready: string;
  soon_retry: string;
  db_now: number;
};

type Figures = StateCounts & DueFigures;

const numbers = (text: string): number[] => (text ? text.split(',').map(Number) : []);

const figures = (): Required<Omit<DueFigures, 'wait'>> => ({
  dueRetries: 0,
  oldestDueMs: null,
  heldByGone: 0,
  heldBy: {},
  parkedNew: 0,
  parkedRetries: 0,
});

function add(into: Figures, row: CountRow): void {
  for (const s of JOB_STATES) {
    into[s] += row[s];
    into.total += row[s];
  }
  into.dueRetries = (into.dueRetries ?? 0) + row.due_retries;
  into.parkedNew = (into.parkedNew ?? 0) + row.parked_new;
  into.parkedRetries = (into.parkedRetries ?? 0) + row.parked_retries;
  if (row.oldest_due_ms !== null) into.oldestDueMs = Math.round(Math.max(into.oldestDueMs ?? 0, Math.max(0, row.oldest_due_ms)));
  if (row.locked_by !== null && row.running > 0) {
    const held = (into.heldBy ??= {});
    held[row.locked_by] = (held[row.locked_by] ?? 0) + row.running;
  }
}

/** The jobs of one task and queue that fall due within the horizon: run_at, unix ms (the database's clock), sorted. */
export interface SoonDue {
  task: string;
  queue: string | null;
  /** Scheduled jobs (no attempt yet): ready at run_at. */
  ready: number[];
  /** Jobs waiting to retry: due at run_at. */
  retries: number[];
}

export interface CountResult {
  snapshot: OverviewSnapshot;
  /** What falls due before `dbNow + horizonMs`, per task and queue. */
  soon: SoonDue[];
  /** How far ahead `soon` lists (0: not listed). */
  horizonMs: number;
  /** Jobs locked since the time asked for, with their waits. */
  takes: Take[];
  /** The database's clock at the count (unix ms), null when the table is empty. */
  dbNow: number | null;
  /** What the Stuck report reads of the jobs, counted with the rest. */
  stuck: StuckFigures;
  /**
   * Local time (ms) before which every committed change is in these counts, when not the count's own start: counts
   * that follow the history watcher hold what its last pass found, as of that pass.
   */
  asOf?: number;
}

/** A locked job as the count saw it; times in unix ms (the database's clock). */
export interface LockedJob {
  id: string;
  task: string;
  queue: string | null;
  lockedBy: string;
  lockedAt: number;
  runAt: number;
  attempts: number;
  maxAttempts: number;
}

export interface StuckFigures {
  /** Every locked job, oldest lock first. */
  locked: LockedJob[];
  /** Due jobs per task and queue (available, run_at passed), with the oldest one's run_at. */
  due: { task: string; queue: string | null; due: number; oldestAt: number }[];
  /** Changes whenever the set of permanently failed jobs does (or one failed again). */
  failedPrint: string;
  /** Jobs that failed for good in the RECENT_FAILURES_MS before the count (by graphile-worker's run_at rule). */
  recentFailures: RecentFailure[];
  /** False when there were more than the count lists. */
  recentFailuresComplete: boolean;
}

export interface RecentFailure {
  id: string;
  task: string;
  head: string | null;
  /** When it failed for the last time (graphile-worker's run_at rule, FAILED_AT), unix ms. */
  failedAt: number;
}

/** Parses 'id:failed at ms[:head]' (the head may hold colons; its absence means no message). */
export function recentFailure(task: string, entry: string): RecentFailure {
  const a = entry.indexOf(':');
  const b = entry.indexOf(':', a + 1);
  return {
    id: entry.slice(0, a),
    task,
    failedAt: Number(b < 0 ? entry.slice(a + 1) : entry.slice(a + 1, b)),
    head: b < 0 ? null : entry.slice(b + 1),
  };
}

const COUNT_SQL = countSql(false);
const COUNT_LISTING_SOON_SQL = countSql(true);

/**
 * Counts every job; `takesSince` (ISO, the database's clock) bounds the takes read with them; with `listSoon`, the
 * jobs falling due within SOON_HORIZON_MS are listed too.
 */
export async function countJobs(db: Pick<pg.Pool, 'query'>, takesSince?: string, listSoon = false): Promise<CountResult> {
  // The counts are as of the statement's start: a change after it may be missing, whenever it ends.
  const at = new Date().toISOString();
  const started = performance.now();
  const since = takesSince ? Date.parse(takesSince) : Date.now() - 60 * 60_000;
  const { rows } = listSoon
    ? await db.query<CountRow>(COUNT_LISTING_SOON_SQL, [`${SOON_HORIZON_MS} milliseconds`])
    : await db.query<CountRow>(COUNT_SQL);
  const queryMs = Math.round(performance.now() - started);
  return resultOf(rows, { at, queryMs, since, horizonMs: listSoon ? SOON_HORIZON_MS : 0 });
}

/**
 * The counts of `rows` (one per task, queue and holding pool; from one statement, or merged from the counts kept per
 * id range), with totals and per-queue figures summed here.
 */
export function resultOf(rows: CountRow[], how: { at: string; queryMs: number; since: number; horizonMs: number }): CountResult {
  const { at, queryMs, since, horizonMs } = how;
  const totals: Figures = { ...emptyCounts(), ...figures() };
  const byTask = new Map<string, TaskCounts>();
  const byQueue = new Map<string, QueueCounts>();
  const pools = new Map<string, LockHolder>();
  const takes: Take[] = [];
  const soon: SoonDue[] = [];
  const stuck: StuckFigures = { locked: [], due: [], failedPrint: '', recentFailures: [], recentFailuresComplete: true };
  const failedPrints: string[] = [];
  const ascending = (a: number, b: number) => a - b;
  for (const row of rows) {
    if (row.soon_ready || row.soon_retry)
      soon.push({
        task: row.task,
        queue: row.queue,
        ready: numbers(row.soon_ready).sort(ascending),
        retries: numbers(row.soon_retry).sort(ascending),
      });
    add(totals, row);
    let task = byTask.get(row.task);
    if (!task) byTask.set(row.task, (task = { task: row.task, ...emptyCounts(), ...figures() }));
    add(task, row);
    if (row.queue !== null) {
      let queue = byQueue.get(row.queue);
      if (!queue) {
        queue = { queue: row.queue, locked: !!row.queue_locked, lockedBy: row.queue_locked_by, ...emptyCounts(), ...figures() };
        byQueue.set(row.queue, queue);
      }
      add(queue, row);
    }
    if (row.locked_by !== null && row.running > 0) {
      const pool = pools.get(row.locked_by) ?? { poolId: row.locked_by, jobs: 0, newestLockMs: Infinity };
      pool.jobs += row.running;
      pool.newestLockMs = Math.min(pool.newestLockMs, Math.max(0, Math.round(row.newest_lock_ms ?? 0)));
      pools.set(row.locked_by, pool);
    }
    const { task: taskName, queue: queueName, db_now: dbNow } = row;
    const locked = row.locked ? row.locked.split(',') : [];
    for (let i = 0; i + 4 < locked.length; i += 5) {
      const id = locked[i];
      const [lockedAt, runAt, attempts, maxAttempts] = locked.slice(i + 1, i + 5).map(Number);
      stuck.locked.push({ id, task: taskName, queue: queueName, lockedBy: row.locked_by!, lockedAt, runAt, attempts, maxAttempts });
      if (lockedAt >= since)
        takes.push({ jobId: id, task: taskName, queue: queueName, at: lockedAt, waitMs: Math.round(Math.max(0, lockedAt - runAt)) });
    }
    const due = row.ready + row.due_retries;
    if (due > 0) stuck.due.push({ task: taskName, queue: queueName, due, oldestAt: dbNow - Math.max(0, row.oldest_due_ms ?? 0) });
    for (const entry of row.failed_new ?? []) stuck.recentFailures.push(recentFailure(taskName, entry));
    if ((row.failed_new?.length ?? 0) < row.failed_new_n) stuck.recentFailuresComplete = false;
    if (row.failed_print !== null) failedPrints.push(`${taskName}\u0000${queueName ?? ''}\u0000${row.failed}\u0000${row.failed_print}`);
  }
  stuck.locked.sort((a, b) => a.lockedAt - b.lockedAt || Number(a.id) - Number(b.id));
  stuck.failedPrint = failedPrints.sort().join('\n');
  const byName =
    <T>(key: (x: T) => string) =>
    (a: T, b: T) =>
      key(a).localeCompare(key(b));
  return {
    snapshot: {
      at,
      queryMs,
      totals,
      byTask: [...byTask.values()].sort(byName((t) => t.task)),
      byQueue: [...byQueue.values()].sort(byName((q) => q.queue)),
      pools: [...pools.values()].sort(byName((p) => p.poolId)),
    },
    soon,
    horizonMs,
    takes,
    dbNow: rows[0]?.db_now ?? null,
    stuck,
  };
}

import type pg from 'pg';
import { JOB_STATES } from '../../shared/model/job-state.ts';
import { JOB_STATE_WHERE } from '../pg/job-state-sql.ts';
import { BUCKET_SHIFT, rowHashSql } from '../pg/id-ranges.ts';
import {
  DUE,
  FAILED_AT,
  FAILED_HEAD_CHARS,
  MAX_RECENT_FAILURES,
  PARKED,
  RECENTLY_FAILED,
  SOON,
  SOON_HORIZON_MS,
  epochMs,
} from './count-query.ts';

/**
 * The figures of one task, queue and holding pool within one id range, as the overview's count has them, but with
 * times absolute (unix ms, the database's clock) so that they age without counting again, and with what says when
 * they stop holding by time alone: the jobs falling due within SOON_HORIZON_MS are listed, and `beyondAt` is the
 * first one after that.
 */
export interface RangeGroup {
  bucket: number;
  taskId: number;
  task: string;
  queueId: number | null;
  queue: string | null;
  lockedBy: string | null;
  states: Record<(typeof JOB_STATES)[number], number>;
  dueRetries: number;
  parkedNew: number;
  parkedRetries: number;
  oldestDueAt: number | null;
  newestLockAt: number | null;
  /** As the count's `locked` text: id, locked_at, run_at, attempts, max_attempts per locked job; null when none. */
  locked: string | null;
  /** Sums of the permanently failed jobs' ids and run_at (µs): the count's fingerprint of them. */
  failedIds: bigint;
  failedRuns: bigint;
  /** As the count's `failed_new` entries ('id:failed at ms[:head]'), with their count (the list stops at a bound). */
  recent: string[];
  recentN: number;
  /** run_at of the waiting jobs falling due within the horizon (sorted): scheduled ones, and retries. */
  soonReady: number[];
  soonRetry: number[];
  /** The first run_at of a waiting job past the horizon; null when none. */
  beyondAt: number | null;
  /** Jobs in the group, and the sum of their row hashes (the history watcher's hash of a range, summed over groups). */
  jobs: number;
  hashSum: bigint;
}

/** What the outer select passes on of each group, besides its range (made a float8 there). */
const OUTER_COLUMNS = [
  'task_id',
  'job_queue_id',
  'locked_by',
  ...JOB_STATES,
  'due_retries',
  'parked_new',
  'parked_retries',
  'oldest_due_at',
  'newest_lock_at',
  'locked',
  'failed_ids',
  'failed_runs',
  'recent',
  'recent_n',
  'soon_ready',
  'soon_retry',
  'beyond_at',
  'jobs',
  'hash_sum',
];

/**
 * The groups of every id range (`whole`: one sequential scan of the table) or of the ranges given ($2: index range
 * scans on the primary key). The same filters as the overview's count (count-query.ts), so the two agree.
 */
export function rangeCountSql(serverVersionNum: number, whole: boolean): string {
  return `
  with c as (
    select (j.id >> ${BUCKET_SHIFT}) as bucket, j.task_id, j.job_queue_id, j.locked_by,
      ${JOB_STATES.map((s) => `count(*) filter (where ${JOB_STATE_WHERE[s]})::int as ${s}`).join(',\n      ')},
      count(*) filter (where ${DUE} and j.attempts > 0)::int as due_retries,
      count(*) filter (where ${PARKED} and j.attempts = 0)::int as parked_new,
      count(*) filter (where ${PARKED} and j.attempts > 0)::int as parked_retries,
      ${epochMs(`min(j.run_at) filter (where ${DUE})`)} as oldest_due_at,
      ${epochMs('max(j.locked_at)')} as newest_lock_at,
      array_to_string(array_agg(array[j.id::text, ${epochMs('j.locked_at')}::text, ${epochMs('j.run_at')}::text, j.attempts::text, j.max_attempts::text])
        filter (where j.locked_at is not null), ',') as locked,
      coalesce(sum(j.id) filter (where ${JOB_STATE_WHERE.failed}), 0)::text as failed_ids,
      coalesce(sum((extract(epoch from j.run_at) * 1000000)::int8) filter (where ${JOB_STATE_WHERE.failed}), 0)::text as failed_runs,
      (array_agg(j.id::text || ':' || ${epochMs(`least(now(), ${FAILED_AT})`)}::text || coalesce(':' || left(j.last_error, ${FAILED_HEAD_CHARS}), ''))
        filter (where ${RECENTLY_FAILED}))[1:${MAX_RECENT_FAILURES}] as recent,
      count(*) filter (where ${RECENTLY_FAILED})::int as recent_n,
      array_to_string(array_agg(${epochMs('j.run_at')}) filter (where ${SOON} and j.attempts = 0), ',') as soon_ready,
      array_to_string(array_agg(${epochMs('j.run_at')}) filter (where ${SOON} and j.attempts > 0), ',') as soon_retry,
      ${epochMs(`min(j.run_at) filter (where j.locked_at is null and j.attempts < j.max_attempts and j.run_at > now() + $1::interval)`)} as beyond_at,
      count(*)::int as jobs,
      sum(${rowHashSql(serverVersionNum)})::text as hash_sum
    from ${
      whole
        ? 'graphile_worker._private_jobs j'
        : // One index range scan per range (offset 0 keeps the subquery apart): joined plainly, the planner may read
          // the whole table once per range (53 s of CPU for a thousand ranges at a million jobs).
          `unnest($2::int8[]) as b(n)
       cross join lateral (select * from graphile_worker._private_jobs j
         where j.id >= (b.n << ${BUCKET_SHIFT}) and j.id < ((b.n + 1) << ${BUCKET_SHIFT}) offset 0) j`
    }
    group by 1, 2, 3, 4
  )
  select c.bucket::float8 as bucket, ${OUTER_COLUMNS.map((c) => `c.${c}`).join(', ')}, t.identifier as task, q.queue_name as queue, ${epochMs('now()')} as db_now
  from c
  join graphile_worker._private_tasks t on t.id = c.task_id
  left join graphile_worker._private_job_queues q on q.id = c.job_queue_id`;
}

type Row = Record<(typeof JOB_STATES)[number], number> & {
  bucket: number;
  task_id: number;
  task: string;
  job_queue_id: number | null;
  queue: string | null;
  locked_by: string | null;
  due_retries: number;
  parked_new: number;
  parked_retries: number;
  oldest_due_at: number | null;
  newest_lock_at: number | null;
  locked: string | null;
  failed_ids: string;
  failed_runs: string;
  recent: string[] | null;
  recent_n: number;
  soon_ready: string | null;
  soon_retry: string | null;
  beyond_at: number | null;
  jobs: number;
  hash_sum: string;
  db_now: number;
};

const times = (text: string | null): number[] =>
  text
    ? text
        .split(',')
        .map(Number)
        .sort((a, b) => a - b)
    : [];

/** The groups of the ranges asked for (all of them when `buckets` is null), and the database's clock at the count. */
export async function countRanges(
  db: Pick<pg.Pool, 'query'>,
  serverVersionNum: number,
  buckets: number[] | null,
): Promise<{ groups: RangeGroup[]; dbNow: number | null }> {
  const horizon = `${SOON_HORIZON_MS} milliseconds`;
  const { rows } =
    buckets === null
      ? await db.query<Row>(rangeCountSql(serverVersionNum, true), [horizon])
      : await db.query<Row>(rangeCountSql(serverVersionNum, false), [horizon, buckets]);
  const groups = rows.map((r): RangeGroup => ({
    bucket: r.bucket,
    taskId: r.task_id,
    task: r.task,
    queueId: r.job_queue_id,
    queue: r.queue,
    lockedBy: r.locked_by,
    states: Object.fromEntries(JOB_STATES.map((s) => [s, r[s]])) as RangeGroup['states'],
    dueRetries: r.due_retries,
    parkedNew: r.parked_new,
    parkedRetries: r.parked_retries,
    oldestDueAt: r.oldest_due_at,
    newestLockAt: r.newest_lock_at,
    locked: r.locked,
    failedIds: BigInt(r.failed_ids),
    failedRuns: BigInt(r.failed_runs),
    recent: r.recent ?? [],
    recentN: r.recent_n,
    soonReady: times(r.soon_ready),
    soonRetry: times(r.soon_retry),
    beyondAt: r.beyond_at,
    jobs: r.jobs,
    hashSum: BigInt(r.hash_sum),
  }));
  return { groups, dbNow: rows[0]?.db_now ?? null };
}

import type pg from 'pg';
import { MAX_ERROR_CHARS } from '../../shared/model/history.ts';

/**
 * Jobs are grouped by id into ranges of 2^7 = 128 ids: a changed job costs re-reading its 128 neighbours, and
 * 1M jobs make ~7,800 short hash rows per scan (measured in bench/history.bench.ts; 1024-id ranges read 8x more).
 */
export const BUCKET_SHIFT = 7;
const BUCKET_SIZE = 2 ** BUCKET_SHIFT;

/** The id range a bucket covers, [from, to). */
export const bucketIds = (bucket: number): [from: number, to: number] => [bucket * BUCKET_SIZE, (bucket + 1) * BUCKET_SIZE];

/** The bucket a job id falls in. */
export const bucketOf = (id: number): number => Math.floor(id / BUCKET_SIZE);

/**
 * One hash per id range over what changes when a job is added, taken, fails, is rescheduled or disappears:
 * id, attempts, max_attempts, locked_at, run_at and updated_at (`updated_at` alone does not move on a failure,
 * but `attempts` moves on every take and `run_at` on every failure). One sequential scan in Postgres; only
 * about (jobs / 1024) short rows cross the wire. `hash_record_extended` needs PostgreSQL 14; older servers
 * hash the same columns as text.
 */
export function bucketHashSql(serverVersionNum: number): string {
  const rowHash =
    serverVersionNum >= 140000
      ? 'hash_record_extended((j.id, j.attempts, j.max_attempts, j.locked_at, j.run_at, j.updated_at), 0)'
      : `hashtextextended(concat_ws(',', j.id, j.attempts, j.max_attempts, j.locked_at, j.run_at, j.updated_at), 0)`;
  return `select (j.id >> ${BUCKET_SHIFT})::text as bucket, count(*)::text || ':' || sum(${rowHash})::text as hash
          from graphile_worker._private_jobs j group by 1`;
}

/** A job as the watcher needs it. */
export interface WatchedJobRow {
  id: number;
  task: string;
  queue: string | null;
  attempts: number;
  maxAttempts: number;
  locked: boolean;
  /** The pool holding the job (graphile-worker's locked_by), when locked. */
  poolId: string | null;
  lastError: string | null;
  /** updated_at in whole seconds: the generation of the job's attempts (see attempts-repo). */
  generation: number;
  runAtMs: number;
}

/** A row of `fetchBuckets` as Postgres returns it. */
interface WatchedJobRowSql {
  id: number;
  task: string;
  queue: string | null;
  attempts: number;
  max_attempts: number;
  locked: boolean;
  locked_by: string | null;
  last_error: string | null;
  generation: number;
  run_at_ms: number;
}

/** The jobs of some id ranges, by id: index range scans on the primary key, error texts cut in Postgres. */
export async function fetchBuckets(pool: pg.Pool, buckets: number[]): Promise<WatchedJobRow[]> {
  if (buckets.length === 0) return [];
  const { rows } = await pool.query<WatchedJobRowSql>(
    `select j.id::float8 as id, t.identifier as task, q.queue_name as queue, j.attempts, j.max_attempts,
            j.locked_at is not null as locked, case when j.locked_at is not null then left(j.locked_by, 200) end as locked_by,
            left(j.last_error, ${MAX_ERROR_CHARS + 1}) as last_error,
            floor(extract(epoch from j.updated_at))::float8 as generation,
            (extract(epoch from j.run_at) * 1000)::float8 as run_at_ms
     from unnest($1::int8[]) as b(n)
     join graphile_worker._private_jobs j on j.id >= (b.n << ${BUCKET_SHIFT}) and j.id < ((b.n + 1) << ${BUCKET_SHIFT})
     join graphile_worker._private_tasks t on t.id = j.task_id
     left join graphile_worker._private_job_queues q on q.id = j.job_queue_id`,
    [buckets],
  );
  // Sorted here: an ORDER BY makes the planner trade the index range scans for a parallel scan of the whole table.
  rows.sort((a, b) => a.id - b.id);
  return rows.map((r) => ({
    id: r.id,
    task: r.task,
    queue: r.queue,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    locked: r.locked,
    poolId: r.locked_by,
    lastError: r.last_error,
    generation: r.generation,
    runAtMs: r.run_at_ms,
  }));
}

/**
 * When the last failure happened: graphile-worker sets `run_at = greatest(now(), run_at) + exp(least(attempts, 10)) s`,
 * so for a job that ran when due, the failure was `exp(...)` seconds before run_at. Capped at `now`.
 */
export function failureTime(runAtMs: number, failedAttempt: number, now: number): number {
  return Math.min(now, Math.round(runAtMs - Math.exp(Math.min(failedAttempt, 10)) * 1000));
}

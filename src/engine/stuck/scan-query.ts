import type pg from 'pg';
import type { PoolLockRow } from './queries.ts';

/**
 * The one sequential pass of the stuck report. graphile-worker has no index on locked_at or attempts, so
 * finding locked jobs and permanently failed jobs means reading the table; this reads it once, keeps only those
 * rows (few: locks are bounded by the pools' concurrency; failures by what operators leave), and derives the
 * locks per pool, the oldest locked jobs and the failure groups from them.
 */
const SCAN_SQL = `
  with s as materialized (
    select j.id, j.task_id, j.job_queue_id, j.locked_by, j.locked_at, j.attempts, j.max_attempts, j.updated_at,
           case when j.locked_at is null then left(j.last_error, $2) end as head
    from graphile_worker._private_jobs j
    where j.locked_at is not null or j.attempts >= j.max_attempts
  ), jp as (
    select locked_by, count(*)::int as jobs, max(locked_at) as newest from s where locked_at is not null group by 1
  ), qp as (
    select locked_by, count(*)::int as queues, max(locked_at) as newest
    from graphile_worker._private_job_queues where locked_at is not null group by 1
  )
  select
    (select coalesce(json_agg(p order by p.pool_id), '[]'::json) from (
      select coalesce(jp.locked_by, qp.locked_by) as pool_id, coalesce(jp.jobs, 0) as jobs, coalesce(qp.queues, 0) as queues,
             greatest(jp.newest, qp.newest) as newest_at,
             extract(epoch from now() - greatest(jp.newest, qp.newest)) * 1000 as newest_ms
      from jp full join qp on qp.locked_by = jp.locked_by) p) as pools,
    (select coalesce(json_agg(x order by x.locked_at, x.id::bigint), '[]'::json) from (
      select s.id::text as id, t.identifier as task, q.queue_name as queue, s.locked_by, s.locked_at,
             extract(epoch from now() - s.locked_at) * 1000 as locked_ms, s.attempts, s.max_attempts
      from s join graphile_worker._private_tasks t on t.id = s.task_id
      left join graphile_worker._private_job_queues q on q.id = s.job_queue_id
      where s.locked_at is not null
      order by s.locked_at, s.id limit $1) x) as jobs,
    (select coalesce(json_agg(f), '[]'::json) from (
      select t.identifier as task, s.head, count(*)::int as n, max(s.updated_at) as newest
      from s join graphile_worker._private_tasks t on t.id = s.task_id
      where s.locked_at is null
      group by 1, 2 order by n desc limit $3) f) as failed`;

export interface LockedJobRow {
  id: string;
  task: string;
  queue: string | null;
  locked_by: string;
  locked_at: Date;
  locked_ms: number;
  attempts: number;
  max_attempts: number;
}

export interface FailedHeadRow {
  task: string;
  head: string | null;
  n: number;
  newest: Date;
}

export interface ScanResult {
  pools: PoolLockRow[];
  /** Locked jobs, oldest lock first, at most `lockedLimit`. */
  jobs: LockedJobRow[];
  /** Permanently failed jobs grouped by task and message head, biggest first. */
  failed: FailedHeadRow[];
}

type Json<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };
const date = (s: string) => new Date(s);

/**
 * Reads locks and failures in one pass. Only the head of each message is read (`headChars`): what identifies
 * an error is at its start, and last_error can be megabytes.
 */
export async function scanLocksAndFailures(
  db: Pick<pg.Pool, 'query'>,
  options: { lockedLimit: number; headChars?: number; failedLimit?: number },
): Promise<ScanResult> {
  const { rows } = await db.query<{ pools: Json<PoolLockRow>[]; jobs: Json<LockedJobRow>[]; failed: Json<FailedHeadRow>[] }>(SCAN_SQL, [
    options.lockedLimit,
    options.headChars ?? 1000,
    options.failedLimit ?? 2000,
  ]);
  const r = rows[0];
  return {
    pools: r.pools.map((p) => ({ ...p, newest_at: p.newest_at ? date(p.newest_at) : null })),
    jobs: r.jobs.map((j) => ({ ...j, locked_at: date(j.locked_at) })),
    failed: r.failed.map((f) => ({ ...f, newest: date(f.newest) })),
  };
}

import type pg from 'pg';

/**
 * The stuck view's smaller reads (the sequential pass is in scan-query.ts). All go to graphile-worker's private
 * tables and compute ages with the database's clock, not ours.
 */
type Q = Pick<pg.Pool, 'query'>;

export interface PoolLockRow {
  pool_id: string;
  jobs: number;
  queues: number;
  newest_ms: number | null;
  newest_at: Date | null;
}

export interface LockedQueueRow {
  queue: string;
  locked_by: string | null;
  locked_at: Date;
  locked_ms: number;
  waiting: number;
  sample: { id: string; task: string; runAt: string }[];
}

/**
 * Locked named-queue rows with the due jobs waiting behind each (count and the first five), in one pass over
 * the jobs: there is no index on job_queue_id, so a subquery per queue would scan the table once per queue.
 */
export async function lockedQueues(db: Q): Promise<LockedQueueRow[]> {
  const { rows } = await db.query<LockedQueueRow>(`
    with lq as materialized (
      select id, queue_name, locked_by, locked_at from graphile_worker._private_job_queues
      where locked_at is not null order by locked_at limit 500
    ), waiting as (
      select j.job_queue_id, j.id, j.task_id, j.run_at,
             row_number() over (partition by j.job_queue_id order by j.priority, j.run_at, j.id) as rn,
             count(*) over (partition by j.job_queue_id) as n
      from graphile_worker._private_jobs j join lq on lq.id = j.job_queue_id
      where j.is_available and j.run_at <= now()
    )
    select lq.queue_name as queue, lq.locked_by, lq.locked_at,
           (extract(epoch from now() - lq.locked_at) * 1000)::float8 as locked_ms,
           coalesce(max(w.n), 0)::int as waiting,
           coalesce(json_agg(json_build_object('id', w.id::text, 'task', t.identifier, 'runAt', w.run_at) order by w.rn)
                    filter (where w.rn <= 5), '[]'::json) as sample
    from lq
    left join waiting w on w.job_queue_id = lq.id
    left join graphile_worker._private_tasks t on t.id = w.task_id
    group by lq.id, lq.queue_name, lq.locked_by, lq.locked_at
    order by lq.locked_at`);
  return rows;
}

export interface DueRow {
  task: string;
  due: number;
  oldest_at: Date;
  waiting_ms: number;
}

/**
 * Per task: due jobs (available, run_at passed, not held back by a locked queue) and how long the oldest has
 * waited. `is_available and run_at <= now()` is the predicate of graphile-worker's partial index
 * `jobs_main_index`, which includes task_id and job_queue_id: no table scan. Blocked queues are reported on
 * their own; running counts come from the locked jobs.
 */
export async function dueByTask(db: Q): Promise<DueRow[]> {
  const { rows } = await db.query<DueRow>(`
    with d as (
      select j.task_id, j.job_queue_id, count(*)::int as n, min(j.run_at) as oldest
      from graphile_worker._private_jobs j
      where j.is_available and j.run_at <= now()
      group by 1, 2
    )
    select t.identifier as task, sum(d.n)::int as due, min(d.oldest) as oldest_at,
           (extract(epoch from now() - min(d.oldest)) * 1000)::float8 as waiting_ms
    from d
    join graphile_worker._private_tasks t on t.id = d.task_id
    left join graphile_worker._private_job_queues q on q.id = d.job_queue_id
    where q.locked_at is null
    group by 1
    order by 1`);
  return rows;
}

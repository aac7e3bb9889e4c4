import type pg from 'pg';

/**
 * The stuck view's reads besides the monitor's count and the failed groups (scan-query.ts). All go to
 * graphile-worker's private tables and compute ages with the database's clock, not ours.
 */
type Q = Pick<pg.Pool, 'query'>;

export interface PoolLockRow {
  pool_id: string;
  jobs: number;
  queues: number;
  newest_ms: number | null;
  newest_at: Date | null;
}

/** A locked named-queue row; what waits behind it comes from the monitor's count. */
export interface QueueLockRow {
  queue: string;
  locked_by: string | null;
  locked_at: Date;
  locked_ms: number;
}

export interface WaitingJob {
  id: string;
  task: string;
  runAt: string;
}

/** Jobs shown per blocked queue. */
export const SAMPLE_PER_QUEUE = 5;

/**
 * The first due jobs behind each of these queues, in the order graphile-worker would take them: one pass over the
 * jobs (there is no index on job_queue_id), made for blocked queues only, and reused while they stay blocked with
 * as many jobs waiting (StuckReads).
 */
export async function waitingBehind(db: Q, queues: readonly string[]): Promise<Map<string, WaitingJob[]>> {
  const { rows } = await db.query<{ queue: string; jobs: WaitingJob[] }>(
    `
    with q as (select id, queue_name from graphile_worker._private_job_queues where queue_name = any($1::text[])),
    w as (
      select j.job_queue_id, j.id, j.task_id, j.run_at,
             row_number() over (partition by j.job_queue_id order by j.priority, j.run_at, j.id) as rn
      from graphile_worker._private_jobs j
      where j.job_queue_id in (select id from q) and j.is_available and j.run_at <= now()
    )
    select q.queue_name as queue, json_agg(json_build_object('id', w.id::text, 'task', t.identifier, 'runAt', w.run_at) order by w.rn) as jobs
    from w join q on q.id = w.job_queue_id join graphile_worker._private_tasks t on t.id = w.task_id
    where w.rn <= $2
    group by q.queue_name`,
    [queues, SAMPLE_PER_QUEUE],
  );
  return new Map(rows.map((r) => [r.queue, r.jobs]));
}

/** The locked named-queue rows, oldest lock first: a small table, read at every report. */
export async function queueLocks(db: Q): Promise<QueueLockRow[]> {
  const { rows } = await db.query<QueueLockRow>(`
    select queue_name as queue, locked_by, locked_at, (extract(epoch from now() - locked_at) * 1000)::float8 as locked_ms
    from graphile_worker._private_job_queues
    where locked_at is not null
    order by locked_at`);
  return rows;
}

export interface DueRow {
  task: string;
  due: number;
  oldest_at: Date;
  waiting_ms: number;
}

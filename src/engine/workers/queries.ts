import type pg from 'pg';

type Q = Pick<pg.Pool, 'query'>;

/** At most this many held jobs are listed (a worker holds about its concurrency's worth). */
const MAX_RUNNING = 5_000;

export interface CompanionWorkerRow {
  pool_id: string;
  host: string;
  pid: number;
  graphile_worker_version: string | null;
  concurrency: number;
  task_identifiers: string[];
  started_at: Date;
  last_heartbeat_at: Date;
  heartbeat_interval_ms: number;
  stopped_at: Date | null;
  /** Milliseconds since the last heartbeat, by the database's clock (no skew with this machine). */
  silent_ms: number;
}

export interface HeldJobRow {
  id: string;
  task: string;
  queue: string | null;
  locked_by: string;
  locked_at: Date;
  /** How long ago it was locked, by the database's clock. */
  locked_ms: number;
}

/** Whether the companion's schema is in this database. */
export async function companionInstalled(db: Q): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(`select to_regclass('jobdeck.workers') is not null as ok`);
  return rows[0].ok;
}

/**
 * Pools that reported through the companion and still matter: not stopped, or stopped within the last hour, or
 * holding a lock now (`holding`: the pools of `heldJobs`, read once rather than probed per worker). Bounded: a
 * thousand workers is a big fleet.
 */
export async function companionWorkers(db: Q, holding: string[]): Promise<CompanionWorkerRow[]> {
  const { rows } = await db.query<CompanionWorkerRow>(
    `select w.pool_id, w.host, w.pid, w.graphile_worker_version, w.concurrency, w.task_identifiers, w.started_at,
            w.last_heartbeat_at, w.heartbeat_interval_ms, w.stopped_at,
            (extract(epoch from now() - w.last_heartbeat_at) * 1000)::float8 as silent_ms
     from jobdeck.workers w
     where w.stopped_at is null or w.stopped_at > now() - interval '1 hour'
        or w.pool_id = any($1::text[])
     order by w.started_at desc
     limit 2000`,
    [holding],
  );
  return rows;
}

/** Jobs held by any pool now (locks younger than graphile-worker's 4 h), oldest first. */
export async function heldJobs(db: Q): Promise<HeldJobRow[]> {
  const { rows } = await db.query<HeldJobRow>(
    `select j.id::text as id, t.identifier as task, q.queue_name as queue, j.locked_by, j.locked_at,
            (extract(epoch from now() - j.locked_at) * 1000)::float8 as locked_ms
     from graphile_worker._private_jobs j
     join graphile_worker._private_tasks t on t.id = j.task_id
     left join graphile_worker._private_job_queues q on q.id = j.job_queue_id
     where j.locked_at is not null and j.locked_by is not null and j.locked_at > now() - interval '4 hours'
     order by j.locked_at
     limit $1`,
    [MAX_RUNNING],
  );
  return rows;
}

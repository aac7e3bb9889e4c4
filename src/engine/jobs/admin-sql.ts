import type pg from 'pg';

/** Anything that runs a query: the session's pool or one client in a transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** A job as `complete_jobs` returned it (deleted), with names resolved, for Jobdeck's snapshot. */
export interface RemovedJob {
  id: string;
  task: string;
  queue: string | null;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  runAt: Date;
  createdAt: Date;
  /** Its payload as JSON text, cut at KEPT_PAYLOAD_CHARS; `payloadLength` is the whole length. */
  payload: string | null;
  payloadLength: number | null;
}

/** How much of a removed job's payload Jobdeck keeps: enough to read it, or to queue it again, in most cases. */
export const KEPT_PAYLOAD_CHARS = 16_384;

/**
 * graphile-worker's admin functions, called as the SQL functions themselves (never WorkerUtils, which cannot
 * set attempts to 0). Each returns the ids it touched: it silently skips jobs locked by a worker (locked less
 * than 4 hours ago), so the caller compares them with the ids it asked for.
 */
export async function rescheduleJobs(
  db: Queryable,
  ids: string[],
  changes: { runAt?: Date | null; attempts?: number; priority?: number },
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select id::text as id from graphile_worker.reschedule_jobs($1::bigint[],
       run_at := $2::timestamptz, priority := $3::int, attempts := $4::int)`,
    [ids, changes.runAt ?? null, changes.priority ?? null, changes.attempts ?? null],
  );
  return rows.map((r) => r.id);
}

/**
 * A paced retry of one chunk: the job at position p (counting `offset` jobs of earlier chunks) runs at
 * start + floor(p * 60,000 / perMinute) ms, attempts reset to 0. One statement; reschedule_jobs is called once per
 * distinct run_at (per job below 60,000 a minute).
 */
export async function reschedulePaced(
  db: Queryable,
  ids: string[],
  pace: { perMinute: number; start: Date; offset: number },
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `with positioned as (
       select u.id, u.n - 1 + $4::bigint as pos from unnest($1::bigint[]) with ordinality as u(id, n)
     ), slots as (
       select $2::timestamptz + floor(pos * 60000.0 / $3::int) * interval '1 millisecond' as run_at, array_agg(id) as ids
       from positioned group by 1
     )
     select r.id::text as id from slots s
       cross join lateral graphile_worker.reschedule_jobs(s.ids, run_at := s.run_at, attempts := 0) r`,
    [ids, pace.start, pace.perMinute, pace.offset],
  );
  return rows.map((r) => r.id);
}

export async function permanentlyFailJobs(db: Queryable, ids: string[], message: string | null): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select id::text as id from graphile_worker.permanently_fail_jobs($1::bigint[], $2::text)`,
    [ids, message],
  );
  return rows.map((r) => r.id);
}

/** A job row as read for removal: what Jobdeck keeps of it once graphile-worker has deleted it. */
export interface RemovedJobRow {
  id: string;
  task: string;
  queue: string | null;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  run_at: Date;
  created_at: Date;
  payload: string | null;
  payload_length: number | null;
}

/**
 * The columns of a RemovedJobRow's payload, read from the jobs table aliased `alias`; with `when`, only for the rows
 * it holds for (null for the others).
 */
export const keptPayloadColumns = (alias: string, when = 'true') =>
  `case when ${when} then left(${alias}.payload::text, ${KEPT_PAYLOAD_CHARS}) end as payload,
   case when ${when} then length(${alias}.payload::text) end as payload_length`;

export const toRemovedJob = (r: RemovedJobRow): RemovedJob => ({
  id: r.id,
  task: r.task,
  queue: r.queue,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  lastError: r.last_error,
  runAt: r.run_at,
  createdAt: r.created_at,
  payload: r.payload,
  payloadLength: r.payload_length,
});

/** Deletes (completes) the jobs that are not locked and returns what they were. */
export async function completeJobs(db: Queryable, ids: string[]): Promise<RemovedJob[]> {
  const { rows } = await db.query<RemovedJobRow>(
    `with done as (select * from graphile_worker.complete_jobs($1::bigint[]))
     select d.id::text as id, t.identifier as task, q.queue_name as queue, d.attempts, d.max_attempts,
            left(d.last_error, 16384) as last_error, d.run_at, d.created_at, ${keptPayloadColumns('d')}
     from done d
     join graphile_worker._private_tasks t on t.id = d.task_id
     left join graphile_worker._private_job_queues q on q.id = d.job_queue_id`,
    [ids],
  );
  return rows.map(toRemovedJob);
}

/** The lock state of each id that still exists: to explain why an admin function skipped it. */
export async function lockStates(db: Queryable, ids: string[]): Promise<Map<string, { lockedBy: string | null; lockedAt: Date | null }>> {
  const { rows } = await db.query<{ id: string; locked_by: string | null; locked_at: Date | null }>(
    `select id::text as id, locked_by, locked_at from graphile_worker._private_jobs where id = any($1::bigint[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, { lockedBy: r.locked_by, lockedAt: r.locked_at }]));
}

/** One job of an `add_jobs` call (graphile-worker's `job_spec`; null fields take its defaults). */
export interface JobSpec {
  identifier: string;
  payload: unknown;
  queue_name: string | null;
  run_at: string | null;
  max_attempts: number | null;
  job_key: string | null;
  priority: number | null;
}

/**
 * Queues the jobs in ONE `graphile_worker.add_jobs` call and returns the id and key of each job it created (a key
 * another producer took meanwhile gets no row). The caller decides beforehand which keys may go in: add_jobs
 * would replace a waiting job with the same key and add a second one beside a running one.
 */
export async function addJobs(db: Queryable, specs: JobSpec[]): Promise<{ id: string; key: string }[]> {
  const { rows } = await db.query<{ id: string; key: string }>(
    `select id::text, key from graphile_worker.add_jobs(
       array(select s from json_populate_recordset(null::graphile_worker.job_spec, $1::json) s))`,
    [JSON.stringify(specs)],
  );
  return rows;
}

/** An item key as it goes in a payload: `auto` makes integer keys JSON numbers (most tasks expect a bigint id). */
export const keyAsJson = (key: string, keyType: 'auto' | 'string'): string | number =>
  keyType === 'auto' && /^-?\d{1,15}$/.test(key) ? Number(key) : key;

import type pg from 'pg';
import { LOCK_CLASS, LOCK_PAUSE_SWEEP } from './schema.ts';

/**
 * The SQL of pauses, shared by the companion (every pool sweeps while a pause exists) and the console (which
 * pauses and resumes). graphile-worker's tables are only read; jobs are moved only through its own
 * `reschedule_jobs`, which skips jobs a worker holds and leaves attempts and last_error alone.
 */

type Queryable = Pick<pg.ClientBase, 'query'>;

/** Where a parked job waits: far enough that no worker takes it, recognisable so resume restores only those. */
export const PARKED_RUN_AT = new Date('9999-01-01T00:00:00Z');

export interface PauseRow {
  kind: 'task' | 'queue';
  name: string;
  /** Its `until` has passed: the next sweep ends it. */
  expired: boolean;
}

/** Every pause, with whether it has expired (by the database's clock). */
export async function readPauses(c: Queryable): Promise<PauseRow[]> {
  const { rows } = await c.query<PauseRow>(
    `select kind, name, (until is not null and until <= now()) as expired from jobdeck.pauses order by kind, name`,
  );
  return rows;
}

/**
 * Inside a transaction: ends expired pauses (restoring their jobs), then parks every waiting job of an active
 * pause that is not parked yet. With `wait` false it gives way when another sweep runs (a companion: the other
 * one does the same work); the console waits, so its pause is applied before it answers.
 */
export async function sweepInTransaction(c: Queryable, wait: boolean): Promise<{ parked: number; restored: number }> {
  if (wait) await c.query('select pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, LOCK_PAUSE_SWEEP]);
  else {
    const { rows } = await c.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1, $2) as ok', [LOCK_CLASS, LOCK_PAUSE_SWEEP]);
    if (!rows[0]?.ok) return { parked: 0, restored: 0 };
  }
  const { rows: expired } = await c.query<{ id: string }>(
    `delete from jobdeck.pauses where until is not null and until <= now() returning id::text`,
  );
  const restored = expired.length
    ? await unparkJobs(
        c,
        expired.map((r) => r.id),
      )
    : 0;
  return { parked: await parkJobs(c), restored };
}

/** A sweep in a transaction of its own (the companion's). */
export async function sweepPauses(c: Queryable): Promise<{ parked: number; restored: number }> {
  await c.query('begin');
  try {
    const result = await sweepInTransaction(c, false);
    await c.query('commit');
    return result;
  } catch (error) {
    await c.query('rollback').catch(() => undefined);
    throw error;
  }
}

/**
 * Parks the waiting jobs (available: not locked, attempts left) of active pauses: their run_at goes to
 * PARKED_RUN_AT through reschedule_jobs, and the run_at they had is kept. A job of both a paused task and a
 * paused queue is kept under one pause. Returns how many were parked.
 */
export async function parkJobs(c: Queryable): Promise<number> {
  const { rows } = await c.query<{ parked: number }>(
    `with active as (
       select id, kind, name from jobdeck.pauses where until is null or until > now()
     ), waiting as (
       select distinct on (x.id) x.id, x.run_at, x.pause_id from (
         select j.id, j.run_at, a.id as pause_id
           from active a
           join graphile_worker._private_tasks t on a.kind = 'task' and t.identifier = a.name
           join graphile_worker._private_jobs j on j.task_id = t.id
          where j.is_available and j.run_at < $1
         union all
         select j.id, j.run_at, a.id
           from active a
           join graphile_worker._private_job_queues q on a.kind = 'queue' and q.queue_name = a.name
           join graphile_worker._private_jobs j on j.job_queue_id = q.id
          where j.is_available and j.run_at < $1
       ) x order by x.id, x.pause_id
     ), moved as (
       select r.id from graphile_worker.reschedule_jobs(array(select id from waiting), run_at := $1) r
     ), kept as (
       insert into jobdeck.parked_jobs (job_id, pause_id, run_at)
       select w.id, w.pause_id, w.run_at from waiting w join moved m on m.id = w.id
       -- Parked before, then moved by someone (a retry): the time they chose is the one to restore.
       on conflict (job_id) do update set run_at = excluded.run_at, pause_id = excluded.pause_id, parked_at = now()
       returning 1
     )
     select count(*)::int as parked from kept`,
    [PARKED_RUN_AT],
  );
  return rows[0]?.parked ?? 0;
}

/**
 * Puts the parked jobs of these pauses back at the run_at they had (one reschedule_jobs call per distinct
 * run_at). A job someone moved meanwhile (a retry sets a new run_at) keeps what they chose. Returns how many
 * were restored.
 */
export async function unparkJobs(c: Queryable, pauseIds: string[]): Promise<number> {
  const { rows } = await c.query<{ restored: number }>(
    `with gone as (
       delete from jobdeck.parked_jobs where pause_id = any($1::bigint[]) returning job_id, run_at
     ), still as (
       select g.job_id, g.run_at from gone g
         join graphile_worker._private_jobs j on j.id = g.job_id and j.run_at = $2
     ), grouped as (
       select run_at, array_agg(job_id) as ids from still group by run_at
     ), moved as (
       select r.id from grouped g cross join lateral graphile_worker.reschedule_jobs(g.ids, run_at := g.run_at) r
     )
     select count(*)::int as restored from moved`,
    [pauseIds, PARKED_RUN_AT],
  );
  return rows[0]?.restored ?? 0;
}

import type pg from 'pg';
import type { Pause, PauseKind } from '../../shared/model/control.ts';

type Queryable = Pick<pg.ClientBase, 'query'>;

interface PauseDbRow {
  id: string;
  kind: PauseKind;
  name: string;
  paused_at: Date;
  paused_by: string | null;
  until: Date | null;
  reason: string | null;
  parked: number;
}

const COLUMNS = `p.id::text as id, p.kind, p.name, p.paused_at, p.paused_by, p.until, p.reason,
  (select count(*) from jobdeck.parked_jobs pj where pj.pause_id = p.id)::int as parked`;

const toPause = (r: PauseDbRow): Pause => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  pausedAt: r.paused_at.toISOString(),
  pausedBy: r.paused_by,
  until: r.until ? r.until.toISOString() : null,
  reason: r.reason,
  parkedJobs: r.parked,
});

/** Active pauses (an expired one is as good as resumed; the next sweep removes it). */
export async function listPauses(db: Queryable): Promise<Pause[]> {
  const { rows } = await db.query<PauseDbRow>(
    `select ${COLUMNS} from jobdeck.pauses p where p.until is null or p.until > now() order by p.kind, p.name`,
  );
  return rows.map(toPause);
}

export async function findPause(db: Queryable, kind: PauseKind, name: string): Promise<Pause | null> {
  const { rows } = await db.query<PauseDbRow>(`select ${COLUMNS} from jobdeck.pauses p where p.kind = $1 and p.name = $2`, [kind, name]);
  return rows[0] ? toPause(rows[0]) : null;
}

/** Adds the pause, or changes the end and reason of the one already there (pausing twice is not an error). */
export async function upsertPause(
  db: Queryable,
  p: { kind: PauseKind; name: string; until: string | null; reason: string | null; by: string },
): Promise<void> {
  await db.query(
    `insert into jobdeck.pauses (kind, name, paused_by, until, reason) values ($1, $2, $3, $4, $5)
     on conflict (kind, name) do update set until = excluded.until, reason = coalesce(excluded.reason, jobdeck.pauses.reason)`,
    [p.kind, p.name, p.by, p.until, p.reason],
  );
}

/** Whether graphile-worker knows this task identifier or queue name. */
export async function targetExists(db: Queryable, kind: PauseKind, name: string): Promise<boolean> {
  const { rows } = await db.query(
    kind === 'task'
      ? 'select 1 from graphile_worker._private_tasks where identifier = $1'
      : 'select 1 from graphile_worker._private_job_queues where queue_name = $1',
    [name],
  );
  return rows.length > 0;
}

/** Jobs of the task or queue a worker holds now (they finish; admin functions cannot touch them). */
export async function runningJobs(db: Queryable, kind: PauseKind, name: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from graphile_worker._private_jobs j
     where j.locked_at is not null and j.locked_at > now() - interval '4 hours'
       and ${kind === 'task' ? 'j.task_id = (select id from graphile_worker._private_tasks where identifier = $1)' : 'j.job_queue_id = (select id from graphile_worker._private_job_queues where queue_name = $1)'}`,
    [name],
  );
  return rows[0]?.n ?? 0;
}

/**
 * Pools that took a job of a paused task or queue after it was paused (2 s of grace for the pause to be seen)
 * and do not report through the companion: they do not obey pauses.
 */
export async function unheldPools(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ pool: string }>(
    `select distinct j.locked_by as pool
     from jobdeck.pauses p
     left join graphile_worker._private_tasks t on p.kind = 'task' and t.identifier = p.name
     left join graphile_worker._private_job_queues q on p.kind = 'queue' and q.queue_name = p.name
     join graphile_worker._private_jobs j on (j.task_id = t.id or j.job_queue_id = q.id)
     where (p.until is null or p.until > now())
       and j.locked_at > p.paused_at + interval '2 seconds'
       and not exists (select 1 from jobdeck.workers w where w.pool_id = j.locked_by or j.locked_by = any(w.worker_ids))
     limit 20`,
  );
  return rows.map((r) => r.pool);
}

import type pg from 'pg';
import { classifyError } from '../../shared/errors/index.ts';
import type { StuckTarget } from '../../shared/model/stuck.ts';

/** A group action touches at most this many jobs per click (the rest stay listed for the next one). */
export const MAX_GROUP_IDS = 10_000;

type Q = Pick<pg.Pool, 'query'>;

/** The job ids a stuck-view group stands for, read now (bounded), oldest first. */
export async function resolveTarget(db: Q, target: StuckTarget): Promise<string[]> {
  switch (target.kind) {
    case 'jobs':
      return target.ids;
    case 'pool':
      return ids(db, `select id::text as id from graphile_worker._private_jobs where locked_by = $1 order by id limit $2`, [target.poolId]);
    case 'due':
      return ids(
        db,
        `select j.id::text as id from graphile_worker._private_jobs j
         join graphile_worker._private_tasks t on t.id = j.task_id
         left join graphile_worker._private_job_queues q on q.id = j.job_queue_id
         where t.identifier = $1 and j.is_available and j.run_at <= now()
           and q.locked_at is null
         order by j.run_at, j.id limit $2`,
        [target.task],
      );
    case 'failed': {
      // Classified here, as the view grouped them: the same head of the message, the same classifier.
      const { rows } = await db.query<{ id: string; head: string | null }>(
        `select j.id::text as id, left(j.last_error, 1000) as head from graphile_worker._private_jobs j
         join graphile_worker._private_tasks t on t.id = j.task_id
         where t.identifier = $1 and j.locked_at is null and j.attempts >= j.max_attempts
         order by j.id`,
        [target.task],
      );
      return rows.filter((r) => classifyError(r.head) === target.errorType).slice(0, MAX_GROUP_IDS).map((r) => r.id);
    }
  }
}

async function ids(db: Q, sql: string, params: unknown[]): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(sql, [...params, MAX_GROUP_IDS]);
  return rows.map((r) => r.id);
}

/** Pools holding any of these jobs now. */
export async function poolsHolding(db: Q, jobIds: string[]): Promise<string[]> {
  const { rows } = await db.query<{ locked_by: string }>(
    `select distinct locked_by from graphile_worker._private_jobs where id = any($1::bigint[]) and locked_by is not null`,
    [jobIds],
  );
  return rows.map((r) => r.locked_by);
}

import type pg from 'pg';
import { classifyError } from '../../shared/errors/index.ts';
import type { StuckTarget } from '../../shared/model/stuck.ts';
import { CHUNK_SIZE } from '../jobs/apply-action.ts';
import type { IdSource } from '../jobs/bulk.ts';

type Q = Pick<pg.Pool, 'query'>;

/** A pool holds about its concurrency's worth of jobs; this bounds what one "pool" group reads. */
const MAX_POOL_IDS = 10_000;

/** The jobs a pool holds now, oldest first (read before the pool is unlocked: afterwards they hold no mark of it). */
export async function poolJobIds(db: Q, poolId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select id::text as id from graphile_worker._private_jobs where locked_by = $1 order by id limit $2`,
    [poolId, MAX_POOL_IDS],
  );
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

/** A task's due jobs that nobody takes (not behind a locked named queue). */
const DUE = `from graphile_worker._private_jobs j
  join graphile_worker._private_tasks t on t.id = j.task_id
  left join graphile_worker._private_job_queues q on q.id = j.job_queue_id
  where t.identifier = $1 and j.is_available and j.run_at <= now() and q.locked_at is null`;

/** A task's permanently failed jobs; the error type is judged on the message head, as the view grouped them. */
const FAILED = `from graphile_worker._private_jobs j
  join graphile_worker._private_tasks t on t.id = j.task_id
  where t.identifier = $1 and j.locked_at is null and j.attempts >= j.max_attempts`;

/**
 * The ids of a "due" or "failed" group, read along the primary key a chunk at a time (keyset), each chunk
 * re-checking the group's condition: no id list is held in memory, whatever the group's size.
 */
export function groupSource(db: Q, target: Extract<StuckTarget, { kind: 'due' | 'failed' }>): IdSource {
  const from = target.kind === 'due' ? DUE : FAILED;
  const keep = target.kind === 'failed' ? (head: string | null) => classifyError(head) === target.errorType : () => true;
  return {
    async count() {
      const { rows } = await db.query<{ n: number }>(`select count(*)::int as n ${from}`, [target.task]);
      return rows[0].n;
    },
    async *chunks() {
      let after = '0';
      for (;;) {
        const { rows } = await db.query<{ id: string; head: string | null }>(
          `select j.id::text as id, left(j.last_error, 1000) as head ${from} and j.id > $2::bigint order by j.id limit $3`,
          [target.task, after, CHUNK_SIZE],
        );
        if (rows.length === 0) return;
        after = rows[rows.length - 1].id;
        const ids = rows.filter((r) => keep(r.head)).map((r) => r.id);
        if (ids.length) yield ids;
      }
    },
    auditTarget: target,
    atMost: target.atMost,
  };
}

import type pg from 'pg';
import { FAILED_AT, FAILED_HEAD_CHARS } from '../monitor/count-query.ts';

/**
 * The stuck report's one read of the jobs table: the permanently failed jobs, grouped by task and the head of their
 * message (what identifies an error is at its start, and last_error can be megabytes). graphile-worker has no index
 * on attempts, so this is a sequential pass; the report makes it only when the monitor's count says the failed jobs
 * changed in a way it cannot follow (StuckReads). Locks and due jobs come from that count itself.
 */
const failedSql = (withIds: boolean) => `
  select t.identifier as task, left(j.last_error, ${FAILED_HEAD_CHARS}) as head, count(*)::int as n,
         max(least(now(), ${FAILED_AT})) as newest ${withIds ? ', array_agg(j.id::text) as ids' : ''}
  from graphile_worker._private_jobs j
  join graphile_worker._private_tasks t on t.id = j.task_id
  where j.locked_at is null and j.attempts >= j.max_attempts
  group by 1, 2
  order by n desc
  ${withIds ? '' : 'limit $1'}`;

export interface FailedHeadRow {
  task: string;
  head: string | null;
  n: number;
  newest: Date;
}

/** The biggest `limit` groups of permanently failed jobs. */
export async function failedHeads(db: Pick<pg.Pool, 'query'>, limit: number): Promise<FailedHeadRow[]> {
  return (await db.query<FailedHeadRow>(failedSql(false), [limit])).rows;
}

/** Every group of permanently failed jobs with the ids of its jobs: what lets the report follow new failures. */
export async function failedGroupsWithIds(db: Pick<pg.Pool, 'query'>): Promise<(FailedHeadRow & { ids: string[] })[]> {
  return (await db.query<FailedHeadRow & { ids: string[] }>(failedSql(true))).rows;
}

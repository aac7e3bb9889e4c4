import type pg from 'pg';

/**
 * The stuck report's one read of the jobs table: the permanently failed jobs, grouped by task and the head of their
 * message. graphile-worker has no index on attempts, so this is a sequential pass; the report makes it only when the
 * monitor's count says the failed jobs changed (StuckReads). Locks and due jobs come from that count itself.
 */
const FAILED_SQL = `
  select t.identifier as task, left(j.last_error, $1) as head, count(*)::int as n, max(j.updated_at) as newest
  from graphile_worker._private_jobs j
  join graphile_worker._private_tasks t on t.id = j.task_id
  where j.locked_at is null and j.attempts >= j.max_attempts
  group by 1, 2
  order by n desc
  limit $2`;

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

/**
 * Permanently failed jobs per task and message head, biggest group first. Only the head of each message is read
 * (`headChars`): what identifies an error is at its start, and last_error can be megabytes.
 */
export async function failedHeads(
  db: Pick<pg.Pool, 'query'>,
  options: { headChars?: number; limit?: number } = {},
): Promise<FailedHeadRow[]> {
  const { rows } = await db.query<FailedHeadRow>(FAILED_SQL, [options.headChars ?? 1000, options.limit ?? 2000]);
  return rows;
}

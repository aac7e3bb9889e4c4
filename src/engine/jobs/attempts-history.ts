import type { JobAttempt } from '../../shared/model/jobs.ts';
import type { Db } from '../store/db.ts';

/** Characters of an attempt's error sent to the detail view. */
const ATTEMPT_ERROR_CHARS = 4_000;

function hasTable(db: Db, name: string): boolean {
  return !!db.prepare(`select 1 from sqlite_master where type = 'table' and name = ?`).get(name);
}

/**
 * The attempts of one job that Jobdeck has seen, oldest first: the failed attempts kept by the failure
 * history (issue 4's `failure_attempts` table, when it exists in this file). The history's owner may extend
 * this to successes and cancels; the detail view shows whatever it returns.
 */
export function readJobAttempts(db: Db, connectionId: string, jobId: string): JobAttempt[] {
  if (!hasTable(db, 'failure_attempts')) return [];
  const rows = db
    .prepare(
      `select attempt, at, error, duration_ms, pool_id from failure_attempts
       where connection_id = ? and job_id = ? order by attempt, at limit 500`,
    )
    .all(connectionId, Number(jobId)) as { attempt: number; at: number; error: string; duration_ms: number | null; pool_id: string | null }[];
  return rows.map((r) => ({
    attempt: r.attempt,
    at: new Date(r.at).toISOString(),
    outcome: 'failed',
    error: r.error.slice(0, ATTEMPT_ERROR_CHARS),
    durationMs: r.duration_ms,
    poolId: r.pool_id,
  }));
}

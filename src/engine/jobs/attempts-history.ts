import type { JobAttempt } from '../../shared/model/jobs.ts';
import type { Db } from '../store/db.ts';

/** Characters of an attempt's error sent to the detail view. */
const ATTEMPT_ERROR_CHARS = 4_000;

/**
 * The attempts of one job that Jobdeck has seen, oldest first: the failed attempts kept by the failure
 * history (`failure_attempts`, filled from the hosted runner's events and the database watcher).
 */
export function readJobAttempts(db: Db, connectionId: string, jobId: string): JobAttempt[] {
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

import type { JobAttempt } from '../../shared/model/jobs.ts';
import type { Db } from '../store/db.ts';
import type { RemovedJob } from '../jobs/admin-sql.ts';

/** Characters of an attempt's error sent to the detail view. */
const ATTEMPT_ERROR_CHARS = 4_000;

/** A job as Jobdeck last saw it, once it has left the database. */
export interface JobSnapshotRow {
  job_id: number;
  task: string;
  queue: string | null;
  state: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  run_at: number | null;
  locked_by: string | null;
  created_at: number | null;
  seen_at: number;
  cancelled_by: string | null;
  cancelled_at: number | null;
}

/** What the job explorer asks of the history about one job (`job_snapshots`, `failure_attempts`). */
export function jobRecords(db: Db) {
  const snapshot = db.prepare('select * from job_snapshots where connection_id = ? and job_id = ?');
  const attempts = db.prepare(
    `select attempt, at, error, duration_ms, pool_id from failure_attempts
     where connection_id = ? and job_id = ? order by attempt, at limit 500`,
  );
  const lastFailed = db.prepare(
    `select task, queue, attempt, max_attempts, at, error from failure_attempts
     where connection_id = ? and job_id = ? order by at desc, id desc limit 1`,
  );
  return {
    recordCancelled: (connectionId: string, jobs: RemovedJob[], actor: string, at?: number) =>
      recordCancelled(db, connectionId, jobs, actor, at),

    /** The failed attempts of one job that Jobdeck has seen, oldest first. */
    attemptsOf: (connectionId: string, jobId: string): JobAttempt[] => {
      const rows = attempts.all(connectionId, Number(jobId)) as {
        attempt: number;
        at: number;
        error: string;
        duration_ms: number | null;
        pool_id: string | null;
      }[];
      return rows.map((r) => ({
        attempt: r.attempt,
        at: new Date(r.at).toISOString(),
        outcome: 'failed',
        error: r.error.slice(0, ATTEMPT_ERROR_CHARS),
        durationMs: r.duration_ms,
        poolId: r.pool_id,
      }));
    },

    /**
     * A job that has left the database: its snapshot, or else its last recorded failed attempt shaped as one
     * (a job that failed, was retried and then succeeded has no snapshot).
     */
    lastKnown: (connectionId: string, jobId: string): JobSnapshotRow | undefined => {
      const s = snapshot.get(connectionId, Number(jobId)) as JobSnapshotRow | undefined;
      if (s) return s;
      const a = lastFailed.get(connectionId, Number(jobId)) as
        { task: string; queue: string | null; attempt: number; max_attempts: number | null; at: number; error: string } | undefined;
      if (!a) return undefined;
      return {
        job_id: Number(jobId),
        task: a.task,
        queue: a.queue,
        state: 'completed or removed',
        attempts: a.attempt,
        max_attempts: a.max_attempts ?? a.attempt,
        last_error: a.error,
        run_at: a.at,
        locked_by: null,
        created_at: null,
        seen_at: a.at,
        cancelled_by: null,
        cancelled_at: null,
      };
    },
  };
}

export type JobRecords = ReturnType<typeof jobRecords>;

/**
 * Keeps a cancelled job in Jobdeck's history: graphile-worker deletes it, so its last state goes into
 * `job_snapshots` as 'cancelled', with who cancelled it and when.
 */
function recordCancelled(db: Db, connectionId: string, jobs: RemovedJob[], actor: string, at = Date.now()): void {
  if (jobs.length === 0) return;
  const upsert = db.prepare(
    `insert into job_snapshots (connection_id, job_id, task, queue, state, attempts, max_attempts, last_error, run_at,
                                locked_by, created_at, seen_at, cancelled_by, cancelled_at)
     values (@connectionId, @jobId, @task, @queue, 'cancelled', @attempts, @maxAttempts, @lastError, @runAt,
             null, @createdAt, @at, @actor, @at)
     on conflict (connection_id, job_id) do update set
       task = excluded.task, queue = excluded.queue, state = 'cancelled', attempts = excluded.attempts,
       max_attempts = excluded.max_attempts, last_error = excluded.last_error, run_at = excluded.run_at,
       locked_by = null, seen_at = excluded.seen_at, cancelled_by = excluded.cancelled_by,
       cancelled_at = excluded.cancelled_at`,
  );
  db.transaction(() => {
    for (const job of jobs) {
      upsert.run({
        connectionId,
        jobId: Number(job.id),
        task: job.task,
        queue: job.queue,
        attempts: job.attempts,
        maxAttempts: job.maxAttempts,
        lastError: job.lastError,
        runAt: job.runAt.getTime(),
        createdAt: job.createdAt.getTime(),
        at,
        actor,
      });
    }
  })();
}

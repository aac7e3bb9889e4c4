import type { Db } from '../store/db.ts';
import type { RemovedJob } from './admin-sql.ts';

/**
 * Keeps a cancelled job in Jobdeck's history: graphile-worker deletes it, so its last state goes into
 * `job_snapshots` as 'cancelled', with who cancelled it and when.
 */
export function recordCancelled(db: Db, connectionId: string, jobs: RemovedJob[], actor: string, at = Date.now()): void {
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

import type { Db } from '../store/db.ts';
import type { Session } from '../session.ts';
import type { RunnerJobEvent } from '../runner/host.ts';
import type { AttemptsRepo } from './attempts-repo.ts';
import { QueueNames } from './queue-names.ts';

/** How long the runner's word that a job finished is kept, for the watcher not to count it again. */
const FINISHED_MEMORY_MS = 10 * 60_000;

export interface RecorderContext {
  db: Db;
  attempts: AttemptsRepo;
  classify(message: string): string;
}

/** Records the hosted runner's job events exactly: successes, failed and cancelled attempts, durations. */
export function runnerRecorder(ctx: RecorderContext) {
  const { db, attempts } = ctx;
  const finished = new Map<number, number>();
  const queues = new QueueNames();
  const markGone = db.prepare('update watch_jobs set gone = 1 where connection_id = ? and job_id = ?');
  const fillQueue = db.prepare('update failure_attempts set queue = ? where connection_id = ? and job_id = ? and queue is null');

  /** The job left the queue through the hosted runner: its end is counted here, not by the watcher. */
  const markFinished = (connectionId: string, jobId: number, at: number): void => {
    finished.set(jobId, at);
    markGone.run(connectionId, jobId);
    if (finished.size > 10_000) {
      for (const [id, t] of finished) if (at - t > FINISHED_MEMORY_MS) finished.delete(id);
    }
  };

  return {
    finishedByRunner: (jobId: number) => finished.has(jobId),

    record(event: RunnerJobEvent, session: Session): void {
      if (event.kind === 'start') return;
      const connectionId = session.profile.id;
      const { job } = event;
      const jobId = Number(job.id);
      if (event.kind === 'success') {
        markFinished(connectionId, jobId, event.at);
        attempts.recordSuccess(connectionId, job.task_identifier, event.at);
        attempts.recordDuration(connectionId, job.task_identifier, event.at, event.durationMs, true);
        return;
      }
      const cancelled = event.kind === 'cancelled';
      const error = cancelled ? 'Cancelled by the operator (AbortError)' : event.error;
      if (cancelled) markFinished(connectionId, jobId, event.at);
      attempts.recordFromRunner({
        connectionId,
        jobId,
        generation: Math.floor(job.updated_at.getTime() / 1000),
        task: job.task_identifier,
        queue: queues.name(job.job_queue_id, session.pool, (name) => fillQueue.run(name, connectionId, jobId)),
        attempt: job.attempts,
        maxAttempts: job.max_attempts,
        at: event.at,
        error,
        errorType: ctx.classify(error),
        durationMs: event.durationMs,
        poolId: event.poolId,
        final: cancelled || !event.willRetry,
      });
      attempts.recordDuration(connectionId, job.task_identifier, event.at, event.durationMs, false);
    },
  };
}

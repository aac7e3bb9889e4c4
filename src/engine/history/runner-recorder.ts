import type { Db } from '../store/db.ts';
import type { Session } from '../session.ts';
import type { RunnerJobEvent } from '../runner/host.ts';
import type { AttemptsRepo } from './attempts-repo.ts';
import { QueueNames } from './queue-names.ts';

/** How long the runner's word that a job finished is kept, for the watcher not to count it again. */
const FINISHED_MEMORY_MS = 10 * 60_000;
/** Writes are gathered and applied in one SQLite transaction this often (or at MAX_PENDING writes). */
const FLUSH_MS = 100;
const MAX_PENDING = 2_000;

export interface RecorderContext {
  db: Db;
  attempts: AttemptsRepo;
  classify: (message: string) => string;
}

/**
 * Records the hosted runner's job events exactly: successes, failed and cancelled attempts, durations. Writes
 * are batched into one transaction per flush (a busy runner finishes thousands of jobs a second); what the
 * watcher must know at once (that the runner finished a job) is kept in memory.
 */
export function runnerRecorder(ctx: RecorderContext) {
  const { db, attempts } = ctx;
  const finished = new Map<number, number>();
  const queues = new QueueNames();
  const markGone = db.prepare('update watch_jobs set gone = 1 where connection_id = ? and job_id = ?');
  const fillQueue = db.prepare('update failure_attempts set queue = ? where connection_id = ? and job_id = ? and queue is null');

  const pending: (() => void)[] = [];
  let timer: NodeJS.Timeout | null = null;
  const applyPending = db.transaction(() => {
    for (const write of pending.splice(0)) write();
  });
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending.length) applyPending();
  };
  const write = (run: () => void): void => {
    pending.push(run);
    if (pending.length >= MAX_PENDING) flush();
    else timer ??= setTimeout(flush, FLUSH_MS);
  };

  /**
   * The job left the queue through the hosted runner: its end is counted here, not by the watcher. The map is
   * in finishing order (a job finishing again moves to the end), so forgetting old entries reads only those.
   */
  const markFinished = (connectionId: string, jobId: number, at: number): void => {
    finished.delete(jobId);
    finished.set(jobId, at);
    write(() => markGone.run(connectionId, jobId));
    for (const [id, t] of finished) {
      if (at - t <= FINISHED_MEMORY_MS) break;
      finished.delete(id);
    }
  };

  return {
    finishedByRunner: (jobId: number) => finished.has(jobId),
    /** Applies what is waiting (before the engine stops, and before reads that must see everything). */
    flush,

    record(event: RunnerJobEvent, session: Session): void {
      if (event.kind === 'start') return;
      const connectionId = session.profile.id;
      const { job } = event;
      const jobId = Number(job.id);
      if (event.kind === 'success') {
        markFinished(connectionId, jobId, event.at);
        write(() => {
          attempts.recordSuccess(connectionId, job.task_identifier, event.at);
          attempts.recordDuration(connectionId, job.task_identifier, event.at, event.durationMs, true);
        });
        return;
      }
      const cancelled = event.kind === 'cancelled';
      const error = cancelled ? 'Cancelled by the operator (AbortError)' : event.error;
      if (cancelled) markFinished(connectionId, jobId, event.at);
      const queue = queues.name(job.job_queue_id, session.pool, (name) => write(() => fillQueue.run(name, connectionId, jobId)));
      const record = {
        connectionId,
        jobId,
        generation: Math.floor(job.updated_at.getTime() / 1000),
        task: job.task_identifier,
        queue,
        attempt: job.attempts,
        maxAttempts: job.max_attempts,
        at: event.at,
        error,
        errorType: ctx.classify(error),
        durationMs: event.durationMs,
        poolId: event.poolId,
        final: cancelled || !event.willRetry,
      };
      write(() => {
        attempts.recordFromRunner(record);
        attempts.recordDuration(connectionId, job.task_identifier, event.at, event.durationMs, false);
      });
    },
  };
}

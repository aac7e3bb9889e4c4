import type { Db } from '../store/db.ts';
import type { Session } from '../session.ts';
import type { RunnerJobEvent } from '../runner/host.ts';
import type { ExactAttempt, ExactAttemptsRepo } from './exact-attempts.ts';
import { QueueNames } from './queue-names.ts';

/** How long the runner's word that a job finished is kept, for the watcher not to count it again. */
const FINISHED_MEMORY_MS = 10 * 60_000;
/** Writes are gathered and applied in one SQLite transaction this often (or at MAX_PENDING writes). */
const FLUSH_MS = 100;
const MAX_PENDING = 2_000;

export interface RecorderContext {
  db: Db;
  /** Where the runner's attempts go: the same path as the companion's, so one attempt is never counted twice. */
  exact: ExactAttemptsRepo;
}

/**
 * Records the hosted runner's job events exactly: successes, failed and cancelled attempts, durations. Writes
 * are batched into one transaction per flush (a busy runner finishes thousands of jobs a second); what the
 * watcher must know at once (that the runner finished a job) is kept in memory.
 */
export function runnerRecorder(ctx: RecorderContext) {
  const { db, exact } = ctx;
  const finished = new Map<number, number>();
  const queues = new QueueNames();
  const markGone = db.prepare('update watch_jobs set gone = 1 where connection_id = ? and job_id = ?');
  const fillFailures = db.prepare('update failure_attempts set queue = ? where connection_id = ? and job_id = ? and queue is null');
  const fillAttempts = db.prepare('update job_attempts set queue = ? where connection_id = ? and job_id = ? and queue is null');
  const fillQueue = (name: string, connectionId: string, jobId: number): void => {
    fillFailures.run(name, connectionId, jobId);
    fillAttempts.run(name, connectionId, jobId);
  };

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
      const cancelled = event.kind === 'cancelled';
      if (event.kind !== 'error') markFinished(connectionId, jobId, event.at);
      const queue = queues.name(job.job_queue_id, session.pool, (name) => write(() => fillQueue(name, connectionId, jobId)));
      const attempt: ExactAttempt = {
        connectionId,
        jobId,
        task: job.task_identifier,
        queue,
        attempt: job.attempts,
        maxAttempts: job.max_attempts,
        startedAt: event.at - event.durationMs,
        finishedAt: event.at,
        durationMs: event.durationMs,
        outcome: event.kind === 'success' ? 'success' : cancelled ? 'cancelled' : 'failure',
        error: event.kind === 'error' ? event.error : cancelled ? 'Cancelled by the operator (AbortError)' : null,
        poolId: event.poolId,
        source: 'runner',
        sourceId: null,
        generation: Math.floor(job.updated_at.getTime() / 1000),
      };
      write(() => exact.record(attempt));
    },
  };
}

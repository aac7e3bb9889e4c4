import type { Job } from 'graphile-worker';
import { abortJob } from '../../worker/index.ts';

/** Why Jobdeck aborted a job: `cancel` ends it for good, `shutdown` lets graphile-worker retry it. */
export type AbortReason = 'cancel' | 'shutdown';

/**
 * The hosted runner's running jobs (from `job:start` to its end) and how to abort one. graphile-worker has one
 * abort signal per pool (#546); the companion gives every job its own (helpers.abortSignal), so the abort is the
 * companion's: the same per-job signal as a cancel through jobdeck.cancel_requests, reached in process (no
 * database round trip, and it works even when the companion cannot write), with the same end: a cancelled job
 * completes and is recorded as cancelled, a job aborted at shutdown fails and is retried.
 */
export class JobAborts {
  private readonly jobs = new Map<string, Job>();
  private readonly cancelled = new Set<string>();

  started(job: Job): void {
    this.jobs.set(job.id, job);
  }

  /** The job ended; true when it had been cancelled (its task then ends as a success to graphile-worker). */
  ended(jobId: string): boolean {
    this.jobs.delete(jobId);
    return this.cancelled.delete(jobId);
  }

  running(): string[] {
    return [...this.jobs.keys()];
  }

  count(): number {
    return this.jobs.size;
  }

  /** Aborts one running job; false when this runner is not running it. */
  abort(jobId: string, reason: AbortReason): boolean {
    const job = this.jobs.get(jobId);
    if (!job) return false;
    if (reason === 'cancel') {
      if (!abortJob(job, 'cancel')) return false;
      this.cancelled.add(jobId);
      return true;
    }
    return abortJob(job, 'shutdown', new Error('Jobdeck stopped its runner: the job is aborted and will be retried'));
  }

  abortAll(reason: AbortReason): number {
    let n = 0;
    for (const id of this.running()) if (this.abort(id, reason)) n++;
    return n;
  }
}

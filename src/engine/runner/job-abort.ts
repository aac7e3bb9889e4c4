import type { JobHelpers, Task, TaskList } from 'graphile-worker';

/** Why Jobdeck aborted a job: `cancel` ends it for good, `shutdown` lets graphile-worker retry it. */
export type AbortReason = 'cancel' | 'shutdown';

export class JobCancelledError extends Error {
  constructor(jobId: string) {
    super(`Cancelled: job ${jobId} was cancelled by an operator`);
    this.name = 'AbortError';
  }
}

/**
 * graphile-worker has one abort signal per pool (#546). This gives every job its own AbortController,
 * combined with the pool's, exposed to the task as `helpers.abortSignal`, so a team's existing tasks
 * honour a single-job cancel without change.
 */
export class JobAborts {
  private readonly controllers = new Map<string, AbortController>();
  wrap(tasks: TaskList, onCancelled: (jobId: string) => void): TaskList {
    const wrapped: TaskList = {};
    for (const [name, task] of Object.entries(tasks)) if (task) wrapped[name] = this.wrapTask(task, onCancelled);
    return wrapped;
  }

  private wrapTask(task: Task, onCancelled: (jobId: string) => void): Task {
    return async (payload, helpers) => {
      const id = helpers.job.id;
      const controller = new AbortController();
      this.controllers.set(id, controller);
      const abortSignal = AbortSignal.any([helpers.abortSignal, controller.signal]);
      // Same helpers, but the task sees the combined signal.
      const jobHelpers: JobHelpers = Object.assign(Object.create(helpers) as JobHelpers, { abortSignal });
      try {
        return await task(payload, jobHelpers);
      } catch (error) {
        // A cancelled job completes (graphile-worker deletes it) instead of failing into a retry;
        // Jobdeck's snapshot keeps it as cancelled.
        if (controller.signal.aborted && controller.signal.reason === 'cancel') {
          onCancelled(id);
          return;
        }
        throw error;
      } finally {
        this.controllers.delete(id);
      }
    };
  }

  running(): string[] {
    return [...this.controllers.keys()];
  }

  /** Aborts one running job; false when this runner is not running it. */
  abort(jobId: string, reason: AbortReason): boolean {
    const controller = this.controllers.get(jobId);
    if (!controller) return false;
    controller.abort(reason);
    return true;
  }

  abortAll(reason: AbortReason): number {
    const ids = this.running();
    for (const id of ids) this.abort(id, reason);
    return ids.length;
  }
}

import type { JobHelpers, Task, TaskList } from 'graphile-worker';
import { runOf } from './registry.ts';
import type { RateLimitedLog } from './log.ts';

// Versioned: a list wrapped by an earlier copy of the companion (which found its runs another way) is wrapped again
// by this one, whose wrapper then runs the earlier wrapper as the task.
const ORIGINAL = Symbol.for('jobdeck.originalTask.v2');

type Wrapped = Task & { [ORIGINAL]?: Task };

/**
 * Replaces each handler of the task list graphile-worker runs from (the very object its workers index by task
 * identifier: a `taskList` you passed, or the one built from `taskDirectory`) with a wrapper that gives the job
 * its own abort signal and, when asyncContext says so, an AsyncLocalStorage context. Idempotent: a wrapper is never wrapped again. Keys are
 * not added or removed, so graphile-worker's list of supported tasks is unchanged.
 *
 * Returns how many handlers could not be wrapped (a frozen list): those jobs are still recorded, but cannot be
 * cancelled and `recordUsage` cannot find them without the `helpers` argument.
 */
export function wrapTaskList(tasks: TaskList, log: RateLimitedLog): number {
  let failed = 0;
  const list = tasks as Record<string, Wrapped | undefined>;
  // Own names, not only the enumerable ones: a task a pause hid (pause-gate.ts) is wrapped too, for when it resumes.
  for (const id of Object.getOwnPropertyNames(list)) {
    const task = list[id];
    if (typeof task !== 'function' || task[ORIGINAL]) continue;
    try {
      list[id] = wrapTask(task);
      if (list[id] === task) failed++; // silently ignored (a non-strict setter, a proxy)
    } catch {
      failed++; // a frozen list
    }
  }
  if (failed) {
    log.warn(
      'wrap',
      `${failed} task handler(s) could not be wrapped (is the task list frozen?): those jobs are recorded, but cannot be cancelled, and recordUsage() needs its helpers argument there`,
    );
  }
  return failed;
}

export function wrapTask(task: Task): Task {
  const wrapped: Wrapped = function jobdeckTask(payload: unknown, helpers: JobHelpers) {
    const run = helpers ? runOf(helpers.job) : undefined;
    // Not started through a pool with the companion (the same list reused elsewhere): run as if unwrapped.
    if (!run) return task(payload, helpers);
    return run.execute(task, payload, helpers) as ReturnType<Task>;
  };
  wrapped[ORIGINAL] = task;
  return wrapped;
}

/** The user's handler behind a wrapper (or the handler itself). */
export function unwrapTask(task: Task): Task {
  return (task as Wrapped)[ORIGINAL] ?? task;
}

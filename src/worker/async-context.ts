import type { CompanionGlobal } from './registry.ts';
import type { JobRun } from './job-run.ts';

/**
 * Whether AsyncLocalStorage costs next to nothing here: on Node 24 (and Node 22 with the flag) it is built on V8's
 * continuation data (AsyncContextFrame). Before, the first AsyncLocalStorage in a process turns on V8's promise
 * hooks for every promise of the process: measured at 25-40 µs per noop job in a graphile-worker process on Node 20.
 */
export function asyncContextIsCheap(versions = process.versions, flags = nodeFlags()): boolean {
  const major = Number(versions.node.split('.')[0]);
  if (flags.includes('--no-async-context-frame')) return false;
  return major >= 24 || (major >= 22 && flags.includes('--experimental-async-context-frame'));
}

function nodeFlags(): string {
  return `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
}

/**
 * recordUsage() or jobAbortSignal() without `helpers`, and no job in the async context. In a pool with
 * `asyncContext: 'auto'` on a runtime where AsyncLocalStorage is not cheap, tasks run outside it until the process
 * first asks for it: this is that ask, or a later one from a job that started before it.
 * - AsyncLocalStorage is on from now on: every task of such pools started after this runs inside it.
 * - The call is given to a job only when that cannot be a guess: the one job running in this process (in any pool,
 *   loaded by any copy of the companion), and one that started outside the context. With any other job running,
 *   whose call it is cannot be told: nothing is recorded, and the log says so. A handful of jobs at most: those that
 *   were running when the process first asked.
 * Returns 'ambiguous' (logged here) then, or undefined when no job that started outside the context is running (a
 * call outside any job: the caller says so).
 */
export function runOutsideContext(g: CompanionGlobal, call: 'recordUsage' | 'jobAbortSignal'): JobRun | 'ambiguous' | undefined {
  let running = 0;
  let outside = 0;
  let sole: JobRun | undefined;
  for (const run of g.runs.values()) {
    if (run.finishedAtMs !== 0) continue;
    running++;
    // A run made by an earlier copy of the companion has no such field: it counts as running, never as a candidate.
    if (run.outsideContext === true) {
      outside++;
      sole = run;
    }
  }
  if (outside === 0) return undefined;
  if (!g.contextOn) {
    g.contextOn = true;
    g.log.info(
      `${call}() was called without helpers: from now on the tasks of pools with asyncContext 'auto' run inside ` +
        `AsyncLocalStorage, so that such calls find their job. Set jobdeck.asyncContext to true to have it from the first ` +
        `job, or pass the task's helpers (${call === 'recordUsage' ? 'recordUsage(usage, helpers)' : 'helpers.abortSignal'}) to do without it.`,
    );
  }
  if (running === 1) return sole;
  g.log.warn(
    'context-ambiguous',
    `${call}() was called without helpers while ${running} jobs ran, ${outside} of them started before AsyncLocalStorage ` +
      `was on: whose call it is cannot be told, so ${call === 'recordUsage' ? 'this usage is not recorded' : 'no signal is returned'}. ` +
      `Jobs started from now on are found; set jobdeck.asyncContext to true, or pass helpers, to miss none.`,
  );
  return 'ambiguous';
}

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
 * recordUsage() or jobAbortSignal() without `helpers`, and no job in the async context: in a pool with
 * `asyncContext: 'auto'` on a runtime where it is not cheap, tasks run outside AsyncLocalStorage until the process
 * first asks for it. This is that first ask (or a late one from a job that started before it).
 * - Every task started from now on runs inside AsyncLocalStorage (in the pools that left it to 'auto').
 * - The call belongs to a job that started outside it: when exactly one such job is running, it is that one's.
 *   With several, it cannot be told whose (nothing is recorded, and the log says so): a handful of jobs at most,
 *   those running when the process first asked.
 * Returns 'ambiguous' (logged here) for several, undefined when no job started outside the context is running (a
 * call outside any job: the caller says so).
 */
export function runOutsideContext(g: CompanionGlobal, call: 'recordUsage' | 'jobAbortSignal'): JobRun | 'ambiguous' | undefined {
  let sole: JobRun | undefined;
  let candidates = 0;
  for (const run of g.runs.values()) {
    if (run.outsideContext && run.finishedAtMs === 0) {
      sole = run;
      candidates++;
    }
  }
  if (candidates === 0) return undefined;
  if (!g.contextWanted) {
    g.contextWanted = true;
    g.log.info(
      `${call}() was called without helpers: from now on every task runs inside AsyncLocalStorage so that such calls ` +
        `find their job (asyncContext: 'auto'). Set jobdeck.asyncContext to true to have it from the first job, or ` +
        `pass the task's helpers (${call === 'recordUsage' ? 'recordUsage(usage, helpers)' : 'helpers.abortSignal'}) to do without it.`,
    );
  }
  if (candidates === 1) return sole;
  g.log.warn(
    'context-ambiguous',
    `${call}() was called without helpers by one of ${candidates} jobs that started before AsyncLocalStorage was on: ` +
      `which one cannot be told, so ${call === 'recordUsage' ? 'this usage is not recorded' : 'no signal is returned'}. ` +
      `Jobs started from now on are found; set jobdeck.asyncContext to true, or pass helpers, to miss none.`,
  );
  return 'ambiguous';
}

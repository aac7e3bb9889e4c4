/**
 * jobdeck/worker: the Jobdeck companion for your own graphile-worker processes.
 *
 *   import { JobdeckPreset, recordUsage } from 'jobdeck/worker';
 *   const runner = await run({ preset: { extends: [JobdeckPreset] }, taskList, connectionString });
 *
 * It imports nothing of the console: only node builtins and `pg` (which graphile-worker already depends on).
 */
import type { Job, JobHelpers } from 'graphile-worker';
import { runOutsideContext } from './async-context.ts';
import { JobCancelledError } from './job-run.ts';
import { companionGlobal, runOf } from './registry.ts';
import type { UsageInput } from './usage.ts';

export { JobdeckPlugin, JobdeckPreset } from './plugin.ts';
export { JobCancelledError } from './job-run.ts';
export type { JobdeckOptions } from './options.ts';
export { DEFAULT_OPTIONS } from './options.ts';
export type { UsageInput, UsageNumbers } from './usage.ts';
export { printSchemaSql, LATEST_MIGRATION, MIGRATIONS } from './schema.ts';
export type { PrintSchemaOptions } from './schema.ts';
export { DURATION_BUCKET_BOUNDS_MS, bucketQuantile } from './histogram.ts';
export { COMPANION_VERSION } from './version.ts';

/**
 * Records the LLM usage of the current attempt, any number of times: token counts and costs are summed, the last
 * model is kept. With the task's `helpers` as the second argument it finds its job anywhere, at no cost; without,
 * through AsyncLocalStorage (see the asyncContext option: by default turned on by the first such call on Node 20
 * and 22). Bad values (negative, NaN, fractional token counts, more than 1e12) are refused with one rate-limited log
 * line; it never throws into the task. A call that finds no job is ignored, with a log line.
 */
export function recordUsage(usage: UsageInput, helpers?: Pick<JobHelpers, 'job'>): void {
  try {
    const g = companionGlobal();
    const run = runOf(helpers?.job) ?? g.als.getStore() ?? runOutsideContext(g, 'recordUsage');
    if (run === 'ambiguous') return;
    if (!run) {
      g.log.warn('usage-outside', 'recordUsage() called outside a job run by a pool with JobdeckPreset: ignored');
      return;
    }
    run.addUsage(usage);
  } catch {
    // never throw into the task
  }
}

/**
 * The current job's abort signal (the same as the task's `helpers.abortSignal`): it aborts when Jobdeck cancels
 * the job (reason: a JobCancelledError) or when graphile-worker's graceful shutdown gives up waiting.
 * Found through AsyncLocalStorage (see the asyncContext option): undefined outside a job, and undefined where its
 * job cannot be told (asyncContext 'auto', before AsyncLocalStorage was on, with other jobs running; logged).
 * `helpers.abortSignal` is always there.
 */
export function jobAbortSignal(): AbortSignal | undefined {
  try {
    const g = companionGlobal();
    const run = g.als.getStore() ?? runOutsideContext(g, 'jobAbortSignal');
    return run === 'ambiguous' ? undefined : run?.signal;
  } catch {
    return undefined; // never throw into the task
  }
}

/**
 * For a process that hosts its own runner and decides itself (the Jobdeck console's hosted runner): aborts `job`
 * (graphile-worker's job object, as its events give it) while it runs in a pool of this process with the companion.
 * - `cancel`: as a cancel request from the console would, without a request row: the task's signal aborts with a
 *   JobCancelledError, the job completes (graphile-worker sees a success, so it is not retried) and the attempt is
 *   recorded as `cancelled`;
 * - `shutdown`: as graphile-worker's own shutdown timeout would: the task's signal aborts with `reason`, the task
 *   fails and graphile-worker retries it.
 * Returns false when the job is not running under the companion in this process.
 */
export function abortJob(job: Job, how: 'cancel' | 'shutdown', reason?: unknown): boolean {
  const run = runOf(job);
  if (!run || run.finishedAtMs !== 0) return false;
  if (how === 'cancel') run.requestCancel(null);
  else run.abortHere(reason ?? new Error('aborted by the process hosting the runner'));
  return true;
}

/** True when `error` is (or was caused by) a Jobdeck cancel. */
export function isJobCancelled(error: unknown): boolean {
  return error instanceof JobCancelledError || (error as { name?: unknown } | null)?.name === 'JobCancelledError';
}

/** In-memory counters of each live pool's companion (writes, drops, errors): for health checks and tests. */
export function companionStats(): Array<Record<string, unknown>> {
  return [...companionGlobal().live].map((p) => p.stats());
}

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Job, WorkerPool } from 'graphile-worker';
import type { JobRun } from './job-run.ts';
import { RateLimitedLog } from './log.ts';

/** What a pool's recorder looks like to code that only routes events to it. */
export interface PoolHandle {
  readonly poolId: string;
  stats(): Record<string, unknown>;
}

/**
 * Process-wide state, kept on globalThis under a registered symbol: if a process loads the companion twice
 * (the ESM and the CommonJS build, or two installed copies), `recordUsage` from one copy still finds the job
 * started by the other.
 */
export interface CompanionGlobal {
  /** The running attempt of the current async context (set by the task wrapper). */
  als: AsyncLocalStorage<JobRun>;
  /** graphile-worker pool -> its recorder (null: the companion is disabled for that pool). */
  pools: WeakMap<WorkerPool, PoolHandle | null>;
  /** Live recorders, for companionStats(). */
  live: Set<PoolHandle>;
  /** Event emitters already subscribed to. */
  emitters: WeakSet<object>;
  /** For problems outside any pool (recordUsage called outside a job). */
  log: RateLimitedLog;
  /** graphile-worker's job object -> its running attempt (see setRun). */
  runs: Map<object, JobRun>;
  /**
   * AsyncLocalStorage is on in this process: a call without helpers found no job in it, or a pool runs with
   * asyncContext true (its promise hooks are then paid for anyway). Pools left at 'auto' run their tasks inside it.
   */
  contextOn: boolean;
}

const KEY = Symbol.for('jobdeck.companion.v1');

/** The attempt of a running job, found from graphile-worker's job object (the one its events and the task's helpers share). */
export function runOf(job: Job | undefined | null): JobRun | undefined {
  return job ? companionGlobal().runs.get(job) : undefined;
}

/**
 * Keyed by the job object itself, in a plain Map whose entry is removed when the attempt ends (forgetRun; a job whose
 * worker dies in graphile-worker's fatal path never ends, and leaves its entry: one per dead worker). Not a
 * property on the job: pg builds its rows by spreading a template, and adding a property to such an object takes V8's
 * slow path (measured: about 0.9 µs per job, where a Map costs 0.1); not a WeakMap, whose entries the garbage
 * collector must trace specially.
 */
export function setRun(job: Job, run: JobRun): void {
  companionGlobal().runs.set(job, run);
}

export function forgetRun(job: Job): void {
  companionGlobal().runs.delete(job);
}

export function companionGlobal(): CompanionGlobal {
  const g = globalThis as unknown as { [KEY]?: CompanionGlobal };
  g[KEY] ??= {
    als: new AsyncLocalStorage<JobRun>(),
    pools: new WeakMap(),
    live: new Set(),
    emitters: new WeakSet(),
    log: new RateLimitedLog(),
    runs: new Map(),
    contextOn: false,
  };
  // A copy of an earlier version may have made the global without these.
  g[KEY].runs ??= new Map();
  g[KEY].contextOn ??= false;
  return g[KEY];
}

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
}

const KEY = Symbol.for('jobdeck.companion.v1');

/**
 * The attempt of a job, stored on graphile-worker's job object itself (the one its events and the task's
 * helpers share) under a registered symbol: invisible to JSON and Object.keys, and much cheaper per job than a
 * WeakMap, whose entries the garbage collector must trace specially.
 */
const RUN = Symbol.for('jobdeck.run.v1');

export function runOf(job: Job | undefined | null): JobRun | undefined {
  return job ? (job as unknown as { [RUN]?: JobRun })[RUN] : undefined;
}

export function setRun(job: Job, run: JobRun): void {
  (job as unknown as { [RUN]?: JobRun })[RUN] = run;
}

export function companionGlobal(): CompanionGlobal {
  const g = globalThis as unknown as { [KEY]?: CompanionGlobal };
  g[KEY] ??= {
    als: new AsyncLocalStorage<JobRun>(),
    pools: new WeakMap(),
    live: new Set(),
    emitters: new WeakSet(),
    log: new RateLimitedLog(),
  };
  return g[KEY];
}

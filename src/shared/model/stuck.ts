/**
 * What the stuck view shows. "Stuck" means: locked too long, or held by a pool that is gone; a named queue
 * whose row is held; due jobs nobody picks up; permanently failed jobs. See "Stuck items and crash recovery" in the README.
 */

import type { LivenessSource } from './workers.ts';
import type { RetryVerdictKind } from '../errors/verdict.ts';

/**
 * Whether the pool holding a lock still runs. Known for Jobdeck's own pools (`alive`, `gone`) and for pools
 * whose worker runs the companion (`alive`, `gone` once its heartbeat is three intervals late, `stopped` when it
 * said so on a clean shutdown). Pools without the companion are unknown: judged by the age of their newest lock
 * (`probably-alive`, `probably-gone`) and shown as a judgement.
 */
export type PoolLiveness = 'alive' | 'gone' | 'stopped' | 'probably-alive' | 'probably-gone';

/** A pool (one runner process, graphile-worker's `locked_by`) holding at least one job or queue. */
export interface LockingPool {
  poolId: string;
  /** Started by this Jobdeck data folder's hosted runner (known from SQLite `runner_pools`). */
  ours: boolean;
  liveness: PoolLiveness;
  /** Why we say so, in a sentence (e.g. "its process 4242 has exited"). */
  reason: string;
  /** When the pool was stopped (ISO), kept out of `reason` so the renderer shows it in local time. */
  stoppedAt?: string | null;
  /** How the liveness is known: `locks` means it is not (a judgement from lock age). */
  knownBy: LivenessSource;
  /** The worker's host and process id (companion), or this console's process id (its own runner). */
  host: string | null;
  pid: number | null;
  /** The companion's last heartbeat (ISO, the database's clock). */
  lastHeartbeatAt: string | null;
  lockedJobs: number;
  lockedQueues: number;
  /** Newest lock this pool took (ISO): a live pool keeps taking jobs. */
  newestLockAt: string | null;
}

/** A job locked longer than its task's threshold. */
export interface StuckJob {
  id: string;
  task: string;
  queue: string | null;
  lockedBy: string;
  lockedAt: string;
  lockedForMs: number;
  thresholdMs: number;
  attempts: number;
  maxAttempts: number;
}

/** A named queue whose row is locked, with the jobs waiting behind it. */
export interface BlockedQueue {
  queue: string;
  lockedBy: string | null;
  lockedAt: string;
  lockedForMs: number;
  /** Jobs of the queue that are not running and are due: they wait for the lock. */
  waiting: number;
  /** The first waiting jobs, oldest first (bounded). */
  sample: { id: string; task: string; runAt: string }[];
}

/**
 * Due jobs of one task that are not being picked up.
 * - `no-worker`: none of its jobs runs, its oldest due job waits longer than the unserved delay, and Jobdeck's
 *   own runner (if running) does not support the task: probably no running worker supports it;
 * - `overdue`: workers take its jobs but the oldest due one waits longer than the overdue delay (a backlog).
 */
export interface DueGroup {
  task: string;
  verdict: 'no-worker' | 'overdue';
  due: number;
  running: number;
  oldestRunAt: string;
  waitingMs: number;
  /** Jobdeck's hosted runner supports this task (null: the hosted runner is not running). */
  hostedSupports: boolean | null;
}

/** Permanently failed jobs of one task and error type. */
export interface FailedGroup {
  task: string;
  errorType: string;
  count: number;
  /** One message of the group, bounded to 300 characters; render as text. */
  sampleError: string;
  /** Whether a retry of the group is likely to help, by its error type (a job's own attempts may say more). */
  verdict: RetryVerdictKind;
  /**
   * When the group's newest failure happened: graphile-worker's run_at rule (run_at minus the backoff of the last
   * attempt; updated_at does not move on a failure), at most now.
   */
  lastFailedAt: string;
}

export interface StuckThresholds {
  /** Default lock threshold, minutes, for tasks without their own. */
  defaultMinutes: number;
  byTask: Record<string, number>;
}

/** What a recovery found and did. */
export interface RecoveryReport {
  at: string;
  /** `auto`: the periodic check unlocked pools known gone (automatic recovery, when turned on). */
  trigger: 'startup' | 'operator' | 'auto';
  /** Earlier pools of this data folder that are no longer alive (`auto`: pools known gone that held locks). */
  poolsFound: number;
  /** Of those, the pools that still held jobs or queues. */
  poolsWithLocks: string[];
  jobsUnlocked: number;
  queuesUnlocked: number;
  /** Unlocked jobs with attempts left: they run again at once. */
  jobsRequeued: number;
  /** Unlocked jobs whose attempts were used up by the crashed try: now permanently failed (retry them). */
  jobsExhausted: number;
  /** Set when recovery could not run; start-up goes on regardless. */
  error: string | null;
}

/** Automatic recovery of one connection (kept in Jobdeck's SQLite; off unless the operator turns it on). */
export interface RecoverySettings {
  connectionId: string;
  /** Unlock, without an operator, the jobs of pools known gone (companion heartbeat) or stopped yet holding locks. */
  autoUnlockGone: boolean;
  /** How often the check runs while a writable session is open. */
  checkEveryMs: number;
}

export interface StuckReport {
  at: string;
  thresholds: StuckThresholds;
  pools: LockingPool[];
  stuckJobs: StuckJob[];
  /** Total stuck jobs (the list is bounded). */
  stuckTotal: number;
  blockedQueues: BlockedQueue[];
  due: DueGroup[];
  failed: FailedGroup[];
  lastRecovery: RecoveryReport | null;
}

/** What an unlock did, as written to the audit log. */
export interface UnlockReport {
  poolIds: string[];
  jobsUnlocked: number;
  queuesUnlocked: number;
  jobsRequeued: number;
  jobsExhausted: number;
  /** Ids of the jobs that were unlocked (bounded to 1,000). */
  jobIds: string[];
  /**
   * Pools left alone: this console's running runner, and pools that only look alive (no companion, a recent
   * lock) without `force`. A pool known alive is never listed here: the whole unlock is refused with an error.
   */
  refused: { poolId: string; reason: string }[];
}

/**
 * What a stuck-view action acts on: a pool's jobs, a task's due jobs, a failed group, or chosen jobs. A group's
 * `atMost` is the count the view showed: the action acts on that many of its oldest jobs at most, and reports jobs
 * that joined the group since as skipped.
 */
export type StuckTarget =
  | { kind: 'pool'; poolId: string }
  | { kind: 'due'; task: string; atMost?: number }
  | { kind: 'failed'; task: string; errorType: string; atMost?: number }
  | { kind: 'jobs'; ids: string[] };

import type { AttemptUsage } from './usage.ts';
import type { JobState } from './job-state.ts';
import type { UnlockReport } from './stuck.ts';
import type { RetryVerdict } from '../errors/verdict.ts';
import { PARKED_RUN_AT_MS } from './control.ts';

/** The actions an operator can take on jobs. */
export const JOB_ACTIONS = ['retry', 'cancel', 'fail', 'priority', 'unlock'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

export const JOB_ACTION_LABELS: Record<JobAction, string> = {
  retry: 'Retry',
  cancel: 'Cancel',
  fail: 'Mark permanently failed',
  priority: 'Change priority',
  unlock: 'Unlock',
};

/**
 * What one action did to a list of job ids. graphile-worker's admin functions silently skip jobs a worker
 * holds, so every requested id is either affected or skipped with a reason.
 */
export interface ActionReport {
  action: JobAction;
  requested: number;
  affected: string[];
  skipped: { id: string; reason: string }[];
}

/** What an action on many jobs (a selection or a whole filter) did; id lists are samples, counts are exact. */
export interface BulkActionReport {
  actionId: string;
  action: JobAction;
  /** Jobs the action was asked to touch (matching the filter when it started, or the selection). */
  requested: number;
  affected: number;
  skipped: number;
  /** Skipped jobs grouped by reason, with a few ids each. */
  skippedByReason: { reason: string; count: number; sampleIds: string[] }[];
  /** The first affected ids (bounded). */
  affectedSample: string[];
  durationMs: number;
  /** The audit log's entry; 0 when nothing matched (nothing to record). */
  auditId: number;
  /** Pools released before the action (the Stuck view's actions on jobs held by pools that are gone). */
  unlock?: UnlockReport | null;
  /** A paced retry's schedule: when the first and the last job run (ISO), at perMinute a minute. */
  release?: ReleaseSchedule | null;
}

/** When a paced retry releases its jobs: run_at spread evenly, `perMinute` jobs a minute. */
export interface ReleaseSchedule {
  perMinute: number;
  first: string;
  last: string;
}

/** When the job at `position` (0-based, in release order) of a paced release runs. */
export function releaseTime(startMs: number, perMinute: number, position: number): number {
  return startMs + Math.floor((position * 60_000) / perMinute);
}

/**
 * Why a paced release of `count` jobs cannot be made, or null: its last job would run at or after 9999-01-01, the
 * run time a pause parks jobs at (such a job would read as paused, and be released by the next resume).
 */
export function releasePastParked(startMs: number, perMinute: number, count: number): string | null {
  if (count === 0 || releaseTime(startMs, perMinute, count - 1) < PARKED_RUN_AT_MS) return null;
  return `released at ${perMinute} a minute from ${new Date(startMs).toISOString()}, the last of ${count} jobs would run at or after 9999-01-01 (where paused jobs are parked): start earlier or release faster`;
}

/**
 * Which jobs to show or act on. Every field narrows the set; an empty filter means every job.
 * Times are ISO strings.
 */
export interface JobFilter {
  states?: JobState[];
  tasks?: string[];
  queues?: string[];
  /** An error type slug: jobs whose last_error the classifier's rules would give this type. */
  errorType?: string;
  /** Free text found in last_error or in the payload (case-insensitive). */
  search?: string;
  createdFrom?: string;
  createdTo?: string;
  runAtFrom?: string;
  runAtTo?: string;
}

/** One row of the job list; the error is only its head. */
export interface JobRow {
  id: string;
  task: string;
  queue: string | null;
  state: JobState;
  priority: number;
  runAt: string;
  attempts: number;
  maxAttempts: number;
  /** The first few hundred characters of last_error. */
  errorHead: string | null;
  errorType: string | null;
  /** Whether a retry is likely to help, for a job with an error (its type and the attempts Jobdeck saw of it). */
  verdict?: RetryVerdict | null;
  createdAt: string;
  lockedAt: string | null;
  lockedBy: string | null;
  key: string | null;
}

/** How many jobs match a filter: exact below a threshold, otherwise clearly marked as not exact. */
export interface MatchCount {
  value: number;
  /** exact: counted now; snapshot: exact as of the monitor's last count (`at`); estimate: the planner's guess. */
  basis: 'exact' | 'snapshot' | 'estimate';
  /** At least this many match (counted exactly up to the threshold; 0 when the count ran out of time). */
  atLeast: number;
  at: string;
}

export interface JobsPage {
  rows: JobRow[];
  /** Pass back as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

/** How one attempt, or a job that left the database, ended. */
export type JobOutcome = 'succeeded' | 'failed' | 'cancelled';

/** One attempt of a job as Jobdeck saw it (from its SQLite history). */
export interface JobAttempt {
  attempt: number | null;
  /** When it ended. */
  at: string;
  outcome: JobOutcome;
  error: string | null;
  durationMs: number | null;
  poolId: string | null;
  /** The worker's host, when the companion reported it. */
  host: string | null;
  /** Whose account: the hosted runner or the companion (exact), or the database watcher (inferred). */
  source: 'runner' | 'companion' | 'watch';
  /** The LLM usage the attempt reported (model, tokens, cost); null: none reported. */
  usage: AttemptUsage | null;
  /** The model's raw output the companion kept (bounded to 64 KiB), to diagnose a parse error; null: none kept. */
  rawOutput: string | null;
}

/** The worker that ran a job's last attempt, as it reported itself. */
export interface JobWorker {
  poolId: string;
  host: string | null;
  source: 'runner' | 'companion';
}

/** Everything about one job; `gone` when it is no longer in the database and comes from Jobdeck's snapshot. */
export interface JobDetail extends Omit<JobRow, 'state' | 'createdAt'> {
  /** Its state in graphile-worker's table; null once it has left (see `outcome` and `snapshotState`). */
  state: JobState | null;
  /** When it was created; null for a job that left the database before Jobdeck saw it there. */
  createdAt: string | null;
  /**
   * When a job that left the database ended: its last attempt's end as its worker reported it, its cancel, or the
   * last time Jobdeck saw it. Null while it is in the database.
   */
  endedAt: string | null;
  /** Pretty-printed JSON (bounded). */
  payload: string | null;
  payloadTruncated: boolean;
  /** last_error in full up to a bound; `errorLength` is the real length. */
  lastError: string | null;
  errorLength: number;
  flags: string[];
  updatedAt: string | null;
  revision: number | null;
  /** The database's clock when read, so run_at and lock ages are computed without the viewer's clock skew. */
  dbNow: string;
  gone: boolean;
  /** 'succeeded', 'cancelled', 'failed', 'completed or removed' when the job is gone, from Jobdeck's records. */
  snapshotState: string | null;
  /** How a job that left the database ended, by the account of the worker that ran it; null when not known. */
  outcome: JobOutcome | null;
  /** The duration of its last attempt, when a worker reported it. */
  durationMs: number | null;
  /** The worker of its last attempt, when it reported itself. */
  worker: JobWorker | null;
  cancelledBy: string | null;
  cancelledAt: string | null;
  attemptsSeen: JobAttempt[];
  /** The hosted runner holds this job (it can be cancelled from here). */
  runningHere: boolean;
  /**
   * Who holds the lock: this console's runner, a worker reporting through the companion (a running job there can
   * be cancelled), or a process seen only through its locks (it cannot); null when not locked.
   */
  holder: 'hosted' | 'companion' | 'watched' | null;
}

/** What an action by filter or selection would touch, shown before confirming. */
export interface ActionPreview {
  action: JobAction;
  matching: number;
  /** Of those, held by a worker now (they will be skipped unless they finish first). */
  locked: number;
  /** Of the locked ones, held by this console's runner (a cancel aborts them). */
  lockedHere: number;
  /** Of the locked ones, held by workers reporting through the companion (a cancel asks them to stop); 0 unless cancelling. */
  lockedReporting: number;
  /** For a retry: the matching jobs per task (at most 100 tasks), for the estimate of what it will cost. */
  byTask?: { task: string; jobs: number }[];
  /** For a retry: the matching jobs by retry verdict, and what "transient only" would leave out and why. */
  verdicts?: RetryVerdictCounts;
}

/** The jobs of a retry by verdict (see verdict.ts); a "transient only" retry takes the transient ones and those without an error. */
export interface RetryVerdictCounts {
  transient: number;
  permanent: number;
  unknown: number;
  /** Jobs without an error (never failed): a transient-only retry takes them too. */
  noError: number;
  /** What transient-only leaves out, by reason, biggest first. */
  leftOut: { reason: string; count: number }[];
  /** More jobs than could be judged by their attempts: the rest were judged by their type alone. */
  partial: boolean;
}

/** Task and queue names for the filter pickers. */
export interface JobFacets {
  tasks: string[];
  queues: string[];
}

/** What `jobs.add` answers: the job as graphile-worker stored it. */
/** What `jobs.addBatch` did with the keys it was given. */
/**
 * The live workers that report their tasks through the companion, and how many of them run a task: a job of a task
 * none of them runs waits until a worker that runs it starts. Null when no live worker reports (no companion schema,
 * or none alive): workers without the companion cannot be seen.
 */
export interface TaskWorkers {
  reporting: number;
  runIt: number;
}

/** How many of these live reporting workers (each its list of tasks) run `task`; null when none reports. */
export function taskWorkersOf(taskLists: readonly (readonly string[])[], task: string): TaskWorkers | null {
  return taskLists.length ? { reporting: taskLists.length, runIt: taskLists.filter((tasks) => tasks.includes(task)).length } : null;
}

/** What to tell an operator who queued jobs of a task no live reporting worker runs; null when nothing is wrong. */
export function noWorkerRuns(task: string, workers: TaskWorkers | null): string | null {
  if (!workers || workers.runIt > 0) return null;
  const n = workers.reporting;
  const who = n === 1 ? 'The one live worker with the companion does not run' : `None of the ${n} live workers with the companion runs`;
  return `${who} ${task}: the job waits until a worker that runs it starts (workers without the companion are not seen).`;
}

export interface AddedBatch {
  task: string;
  /** Distinct keys given. */
  requested: number;
  added: number;
  /** Keys given more than once (queued once). */
  duplicates: number;
  /** Keys whose job key was already taken by a job: left as it was. */
  alreadyQueued: string[];
  /** Ids of the jobs added, in the keys' order. */
  jobIds: string[];
  workers: TaskWorkers | null;
}

export interface AddedJob {
  jobId: string;
  task: string;
  queue: string | null;
  runAt: string;
  priority: number;
  maxAttempts: number;
  jobKey: string | null;
  /** A job with this key was waiting already: graphile-worker updated it (per jobKeyMode) instead of adding one. */
  keyExisted: boolean;
  workers: TaskWorkers | null;
}

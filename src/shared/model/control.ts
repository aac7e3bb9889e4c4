/** Pauses of a task or a named queue (issue 14), kept in the database's `jobdeck.pauses`. */

export type PauseKind = 'task' | 'queue';

/**
 * Where a pause parks its waiting jobs until resumed: jobdeck/worker's PARKED_RUN_AT (which imports nothing of
 * the console; a test checks the two agree). A job's run_at at this time means "paused", not "scheduled".
 */
export const PARKED_RUN_AT_ISO = '9999-01-01T00:00:00.000Z';
export const PARKED_RUN_AT_MS = Date.parse(PARKED_RUN_AT_ISO);

/** A job a pause parked (its run_at is PARKED_RUN_AT_ISO): it waits for the resume, whatever its state says. */
export const isParked = (job: { runAt: string }): boolean => Date.parse(job.runAt) === PARKED_RUN_AT_MS;

export interface Pause {
  id: string;
  kind: PauseKind;
  /** The task identifier or the queue name. */
  name: string;
  pausedAt: string;
  pausedBy: string | null;
  /** Ends by itself at this time (ISO), or null: until resumed. */
  until: string | null;
  reason: string | null;
  /** Waiting jobs moved out of every worker's reach (run_at kept, restored on resume). */
  parkedJobs: number;
}

export interface PauseList {
  /** False when the database has no pauses table yet (no worker with the companion has run, and none was made). */
  available: boolean;
  pauses: Pause[];
  /**
   * Pools taking jobs now whose pauses are not obeyed: workers without the companion (seen only in locks)
   * holding a job of a paused task or queue.
   */
  unheldPools: string[];
}

export interface PauseReport {
  pause: Pause;
  /** Waiting jobs parked by this pause (jobs a worker held are left to finish). */
  parked: number;
  /** Jobs of it running now: they finish; no new one starts in a worker with the companion. */
  running: number;
  auditId: number;
}

export interface ResumeReport {
  kind: PauseKind;
  name: string;
  /** Parked jobs put back at the run_at they had. */
  restored: number;
  auditId: number;
}

/** A circuit breaker's settings for one task or queue (issue 14, point 4). */
export interface BreakerSettings {
  enabled: boolean;
  /** Trips when rate-limit (and quota) errors are more than this share of attempts, in percent (1-100). */
  thresholdPct: number;
  /** Over the attempts of the last this many minutes. */
  windowMinutes: number;
  /** And at least this many attempts in the window. */
  minAttempts: number;
  /** Resumes after this many seconds when the provider named no time. */
  cooldownSeconds: number;
}

export const BREAKER_DEFAULTS: BreakerSettings = {
  enabled: true,
  thresholdPct: 50,
  windowMinutes: 5,
  minAttempts: 20,
  cooldownSeconds: 300,
};

/** A breaker with its state: closed (watching), or tripped (its pause holds the task until `resumeAt`). */
export interface Breaker extends BreakerSettings {
  kind: PauseKind;
  name: string;
  state: 'closed' | 'tripped';
  trippedAt: string | null;
  /** Tripped: when it resumes (the provider's named time, else the cool-down). Closed: when it last resumed. */
  resumeAt: string | null;
  /** Why it tripped, in a sentence. */
  reason: string | null;
  /** The attempts of its window at the last evaluation, and how many of them were rate-limited (null: none yet). */
  window: { attempts: number; rateLimited: number; at: string } | null;
}

export interface BreakerList {
  breakers: Breaker[];
  defaults: BreakerSettings;
}

/** A breaker tripped (paused its task or queue) or resumed it; also what the alerts are told. */
export interface BreakerEvent {
  action: 'tripped' | 'resumed';
  target: { kind: PauseKind; name: string };
  reason: string;
  /** Tripped: when it will resume. Resumed: null. */
  resumeAt: string | null;
}

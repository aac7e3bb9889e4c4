/** Pauses of a task or a named queue (issue 14), kept in the database's `jobdeck.pauses`. */

export type PauseKind = 'task' | 'queue';

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

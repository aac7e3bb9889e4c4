import type { StateCounts } from './job-state.ts';

export interface TaskCounts extends StateCounts {
  task: string;
}

export interface QueueCounts extends StateCounts {
  queue: string;
  /** The queue row is locked: one of its jobs is in flight, the rest wait behind it. */
  locked: boolean;
  lockedBy: string | null;
}

/** Counts of one database at one time, computed once by the monitor and shared by every window. */
export interface OverviewSnapshot {
  at: string;
  /** How long the count query took, in milliseconds. */
  queryMs: number;
  totals: StateCounts;
  byTask: TaskCounts[];
  byQueue: QueueCounts[];
}

/** Queue depth at one time, as kept in SQLite for the depth chart. */
export interface DepthSample {
  at: string;
  ready: number;
  scheduled: number;
  running: number;
  retrying: number;
  failed: number;
}

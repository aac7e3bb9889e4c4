import type { StateCounts } from './job-state.ts';

/**
 * How long jobs wait before a worker takes them: start of an attempt minus the job's run_at, as the monitor saw
 * the takes (a job locked at one of its counts), over the last hour.
 */
export interface WaitFigures {
  /** Takes seen in the last hour. */
  samples: number;
  p50Ms: number;
  p95Ms: number;
}

/**
 * Figures beside the five exclusive states (optional: snapshots recorded before they existed lack them).
 * - due retries: jobs waiting to retry whose run_at has passed; the state rule counts them in `retrying`, the
 *   overview shows them as due ("due (retry)" within Ready);
 * - held by gone: of `running`, the jobs locked by a pool that is gone (known, or judged from lock age).
 */
export interface DueFigures {
  dueRetries?: number;
  /** How long the oldest due job (ready, or a due retry) has waited, ms; null when none is due. */
  oldestDueMs?: number | null;
  /** Of `running`, jobs held by pools that are gone: counted apart from the jobs live workers run. */
  heldByGone?: number;
  /**
   * Of `scheduled` and of `retrying`, the jobs a pause parked (jobdeck/worker moves a paused task's or queue's
   * waiting jobs to run_at 9999-01-01 until it resumes): the overview shows them apart, as paused.
   */
  parkedNew?: number;
  parkedRetries?: number;
  /** Running jobs per pool id (graphile-worker's `locked_by`). */
  heldBy?: Record<string, number>;
  wait?: WaitFigures | null;
}

export interface TaskCounts extends StateCounts, DueFigures {
  task: string;
}

export interface QueueCounts extends StateCounts, DueFigures {
  queue: string;
  /** The queue row is locked: one of its jobs is in flight, the rest wait behind it. */
  locked: boolean;
  lockedBy: string | null;
}

/** A pool holding job locks, as the count saw it: enough to judge whether it still runs. */
export interface LockHolder {
  poolId: string;
  jobs: number;
  /** Age of its newest job lock, ms, by the database's clock. */
  newestLockMs: number;
}

/** What needs attention now, each with its count and where to look. */
export type TroubleKind = 'stuck' | 'gone' | 'no-worker' | 'blocked-queue' | 'failure-spike' | 'out-of-attempts' | 'paused';

export interface TroubleItem {
  kind: TroubleKind;
  /** Task or queue it is about, when it is about one. */
  subject: string | null;
  count: number;
  /** One line: "4 jobs held by a gone worker". */
  title: string;
  detail: string;
  severity: 'critical' | 'warning' | 'info';
  /** The view and filter that lists what is counted (`#/<path>?<params>`). */
  link: { path: string; params?: Record<string, string> };
}

/** The trouble panel and the sidebar badges, refreshed every few seconds from the domains that know. */
export interface TroubleSummary {
  /** When its reads began: it holds nothing that changed after this. */
  at: string;
  items: TroubleItem[];
  /** Badge on Stuck: stuck jobs, due jobs of tasks no worker runs, blocked queues. */
  stuckBadge: number;
  /** Badge on Failures: failed attempts of the last 15 minutes while they spike, else 0. */
  failuresBadge: number;
  /** Pools that are gone (known or judged) yet hold jobs: their jobs are counted apart from Running. */
  gonePools: string[];
  /** Set when a source could not be read (the panel says so; the other items still show). */
  errors: string[];
}

/** Counts of one database at one time, computed once by the monitor and shared by every window. */
export interface OverviewSnapshot {
  /** When the counts held: the count's start, or a later check that found the job tables unchanged since. */
  at: string;
  /**
   * When the job tables were last counted (absent: at `at`). Between counts the monitor only checks whether they
   * changed (Postgres' row counters, graphile-worker's notifications) and moves the jobs that fell due meanwhile.
   */
  countedAt?: string;
  /** How long the count query took, in milliseconds. */
  queryMs: number;
  /**
   * Present when the count followed the history watcher's passes rather than reading every job: how many id ranges
   * (128 ids each) it read again (found changed, or with waiting jobs falling due), the rest carried from earlier counts.
   */
  rangesRead?: number;
  totals: StateCounts & DueFigures;
  byTask: TaskCounts[];
  byQueue: QueueCounts[];
  pools?: LockHolder[];
  /** The latest trouble summary when the snapshot was sent (null before the first). */
  trouble?: TroubleSummary | null;
}

/**
 * Queue depth at one time, as kept in SQLite for the depth chart: the five exclusive states as the cards show them
 * (retries that are due count as Ready), except that the jobs a pause parked are taken out of Scheduled and Waiting to
 * retry and kept apart (they wait for a resume, not a time). See depthSampleOf.
 */
export interface DepthSample {
  at: string;
  ready: number;
  scheduled: number;
  running: number;
  retrying: number;
  failed: number;
  /** Parked by a pause (0 in samples taken before they were counted apart). */
  paused: number;
}

/**
 * The depth sample of a count: the one derivation the engine stores and the overview extends its chart with, and the
 * cards show. As the cards say it: Ready is every job due now, retries whose time has come included; Waiting to retry
 * the retries whose time has not come; jobs a pause parked are apart (a parked retry is never due: run_at 9999).
 * (Samples stored before 2026-12-04 counted due retries under Waiting to retry.)
 */
export function depthSampleOf(at: string, t: StateCounts & DueFigures): DepthSample {
  const parkedNew = Math.min(t.parkedNew ?? 0, t.scheduled);
  const parkedRetries = Math.min(t.parkedRetries ?? 0, t.retrying);
  const dueRetries = Math.min(t.dueRetries ?? 0, t.retrying - parkedRetries);
  return {
    at,
    ready: t.ready + dueRetries,
    scheduled: t.scheduled - parkedNew,
    running: t.running,
    retrying: t.retrying - parkedRetries - dueRetries,
    failed: t.failed,
    paused: parkedNew + parkedRetries,
  };
}

/** Failure history as Jobdeck keeps it in SQLite: every failed attempt, successes per minute, run durations. */
import type { ErrorRule, ErrorTypeInfo } from '../errors/index.ts';

/** Longest error text kept per attempt (characters); the rest is cut and marked. */
export const MAX_ERROR_CHARS = 16 * 1024;

/** Chart windows of the Failures view. */
export const HISTORY_WINDOWS = { '1h': 60, '24h': 24 * 60, '7d': 7 * 24 * 60, '30d': 30 * 24 * 60 } as const;
export type HistoryWindow = keyof typeof HISTORY_WINDOWS;

/** Where a failed attempt was seen: the hosted runner's events (exact) or the database watcher. */
export type AttemptSource = 'runner' | 'watch';

/** One failed attempt of one job. */
export interface FailedAttempt {
  id: number;
  connectionId: string;
  jobId: number;
  task: string;
  queue: string | null;
  /** 1 for the first try. */
  attempt: number;
  maxAttempts: number | null;
  at: string;
  /** Bounded to MAX_ERROR_CHARS. */
  error: string;
  errorType: string;
  /** Exact for the hosted runner; null when seen by the watcher. */
  durationMs: number | null;
  poolId: string | null;
  source: AttemptSource;
  /** No attempts were left: the job is permanently failed (or was cancelled). */
  final: boolean;
}

/** Filters shared by the list, the export and the charts. */
export interface HistoryFilter {
  connectionId?: string;
  errorType?: string;
  task?: string;
  /** Substring of the error text, or a job id. */
  search?: string;
  /** ISO times, inclusive lower and exclusive upper bound. */
  from?: string;
  to?: string;
}

export interface HistoryPage {
  rows: FailedAttempt[];
  /** Pass back as `cursor` for the next (older) page; null at the end. */
  nextCursor: string | null;
}

export interface TypeCount {
  type: string;
  count: number;
}

/** Counts of one chart bucket. */
export interface HistoryBucket {
  /** Bucket start, unix ms. */
  t: number;
  successes: number;
  failures: number;
  /** Failures per error type. */
  byType: Record<string, number>;
}

export interface TaskFigures {
  task: string;
  successes: number;
  failures: number;
  byType: TypeCount[];
}

export interface DurationFigures {
  /** Runs timed by the hosted runner in the window (successes and failures). */
  count: number;
  avgMs: number | null;
  p95Ms: number | null;
}

/** Everything the Failures view's charts need for one window. */
export interface HistorySummary {
  connectionId: string | null;
  window: HistoryWindow;
  from: string;
  to: string;
  bucketMs: number;
  failures: number;
  successes: number;
  /** successes / (successes + failed attempts), null without any. */
  successRate: number | null;
  /** The same over the last 24 hours, whatever the window. */
  successRate24h: number | null;
  /** The first recorded event in the window (null without any): history may begin after the window does. */
  firstAt: string | null;
  /** Finished runs and failed attempts per minute, from `firstAt` (or the window start) to `to`. */
  perMinute: number;
  byType: TypeCount[];
  buckets: HistoryBucket[];
  byTask: TaskFigures[];
  durations: DurationFigures;
  /** Built-in then custom types, for legends and chips. */
  types: ErrorTypeInfo[];
}

/** A connection that has history in this SQLite file. */
export interface HistoryConnection {
  id: string;
  name: string | null;
  attempts: number;
  lastAt: string | null;
}

/** How the history is kept: which connection, when the database was last scanned, reclassification. */
export interface HistoryStatus {
  /** The connection whose history is shown by default: the active one, else the last active one. */
  connectionId: string | null;
  live: boolean;
  lastScanAt: string | null;
  lastScanMs: number | null;
  /** Jobs in the database at the last scan (0 when not live). */
  watchedJobs: number;
  connections: HistoryConnection[];
  retentionDays: number;
  reclassifying: { done: number; total: number } | null;
}

export interface ErrorRulesState {
  rules: ErrorRule[];
  types: ErrorTypeInfo[];
  rejected: { id: string; message: string }[];
}

/** One page of an export: `content` is CSV (header on the first page only) or a JSON array chunk. */
export interface HistoryExportPage {
  content: string;
  rows: number;
  nextCursor: string | null;
}

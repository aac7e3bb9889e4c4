/** Failure history as Jobdeck keeps it in SQLite: every failed attempt, successes per minute, run durations. */
import type { ErrorRule, ErrorTypeInfo } from '../errors/index.ts';

/** Longest error text kept per attempt (characters); the rest is cut and marked. */
export const MAX_ERROR_CHARS = 16 * 1024;

/** Chart windows of the Failures view. */
export const HISTORY_WINDOWS = { '1h': 60, '24h': 24 * 60, '7d': 7 * 24 * 60, '30d': 30 * 24 * 60 } as const;
export type HistoryWindow = keyof typeof HISTORY_WINDOWS;

/**
 * Where a failed attempt was seen: the hosted runner's events and the companion in the user's workers
 * (`jobdeck.attempts`) report exactly; the database watcher infers from graphile-worker's table.
 */
export type AttemptSource = 'runner' | 'companion' | 'watch';

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
  /** Exact for the hosted runner and the companion; null when seen by the watcher. */
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

/** Jobs that ended, by final outcome, and the share that ended well: succeeded / (succeeded + failed); null without any. */
export interface EndedJobs {
  succeeded: number;
  failed: number;
  successRate: number | null;
}

export interface TaskFigures {
  task: string;
  successes: number;
  failures: number;
  byType: TypeCount[];
}

export interface DurationFigures {
  /** Runs timed exactly in the window (successes and failures), by the hosted runner or the companion. */
  count: number;
  avgMs: number | null;
  p95Ms: number | null;
}

/** Everything the Failures view's charts need for one window. */
/** What a summary's charts span: from their first bucket (see chartFrom) to the summary's end. */
export function chartSpan(summary: Pick<HistorySummary, 'from' | 'to' | 'chartFrom'>): { from: number; minutes: number } {
  const from = Date.parse(summary.chartFrom ?? summary.from);
  return { from, minutes: Math.max(1, (Date.parse(summary.to) - from) / 60_000) };
}

/**
 * The start of the chart's last bucket when it is still filling (it ends after the summary's `to`, now), else null:
 * drawn as complete, a minute 12 s old reads as a drop, and an operator reads a drop as a recovery.
 */
export function partialBucketStart(summary: Pick<HistorySummary, 'to' | 'bucketMs' | 'buckets'>): number | null {
  const last = summary.buckets[summary.buckets.length - 1];
  return last && last.t + summary.bucketMs > Date.parse(summary.to) ? last.t : null;
}

export interface HistorySummary {
  connectionId: string | null;
  window: HistoryWindow;
  from: string;
  to: string;
  bucketMs: number;
  /**
   * Where the chart's buckets start: the window's start, or for a history younger than an hour in a longer window its
   * first minute (charted per minute). Optional: absent from summaries of an older engine.
   */
  chartFrom?: string;
  failures: number;
  successes: number;
  /** successes / (successes + failed attempts), null without any: a rate of attempts, not of jobs. */
  successRate: number | null;
  /** The same over the last 24 hours, whatever the window. */
  successRate24h: number | null;
  /**
   * Jobs that ended in the window, by their final outcome: succeeded, or failed for good (their last attempt failed
   * with none left). A job the operator cancelled is neither. Optional: absent from summaries of an older engine.
   */
  ended?: EndedJobs;
  /** The same over the last 24 hours, whatever the window. */
  ended24h?: EndedJobs;
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

/**
 * The reading of the companion's attempts (`jobdeck.attempts`) into the history:
 * - reading: the companion's schema is there and readable; every attempt it records arrives;
 * - absent: no companion schema in this database (yet): other workers are only watched;
 * - refused: the schema is there but this role may not read it;
 * - error: reading failed (the database is unreachable...), retried with backoff;
 * - stopped: no database connected.
 */
export interface CompanionFeedStatus {
  state: 'reading' | 'absent' | 'refused' | 'error' | 'stopped';
  /** What the state means for the history, in a sentence an operator can act on. */
  message: string;
  /** Every jobdeck.attempts id up to this one is read (null before the first read). */
  cursor: string | null;
  lastReadAt: string | null;
  /** Attempts recorded from the companion since this console connected. */
  recorded: number;
  /** Rows refused as malformed since this console connected, and the last one with its reason. */
  rejected: number;
  lastRejected: string | null;
}

/** A worker pool and whose account of its attempts the history keeps. */
export interface HistoryPool {
  poolId: string;
  /** hosted: this console's runner (exact); companion: reports its attempts (exact); watched: inferred only. */
  account: 'hosted' | 'companion' | 'watched';
  host: string | null;
  /** Reporting pools: alive by their heartbeat; others: seen holding a job in the last minutes. */
  live: boolean;
}

/**
 * Whether this console's hosted runner's attempts reach the history (its companion writes them into the jobdeck
 * schema): recording; starting (not written yet); not_recording (the companion cannot write: the message says why
 * and what to grant; the jobs still run, and the watcher infers their ends meanwhile).
 */
export interface HostedRecording {
  poolId: string;
  state: 'recording' | 'starting' | 'not_recording';
  message: string;
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
  /** The companion's attempts, read into the history. */
  companion: CompanionFeedStatus;
  /** The pools at work on this database and whose account of them is kept (empty when not connected). */
  pools: HistoryPool[];
  /** This console's runner, when it runs: whether its attempts are being recorded, and why not. */
  hostedRecording: HostedRecording | null;
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

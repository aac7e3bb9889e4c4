/**
 * A job's state, derived from graphile-worker's columns (it stores no status). The states are exclusive:
 * - running: locked by a worker (or held in a pool's local queue);
 * - failed: not locked, attempts used up: kept forever until retried or removed;
 * - retrying: not locked, failed at least once, attempts left: it runs again at run_at;
 * - scheduled: never tried, run_at in the future;
 * - ready: never tried, due now: waiting for a worker.
 */
export const JOB_STATES = ['ready', 'scheduled', 'running', 'retrying', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const JOB_STATE_LABELS: Record<JobState, string> = {
  ready: 'Ready',
  scheduled: 'Scheduled',
  running: 'Running',
  retrying: 'Waiting to retry',
  failed: 'Permanently failed',
};

/**
 * Colours chosen to stay distinct for common colour-vision deficiencies, as CSS variables: the renderer's
 * styles.css defines them for the dark and the light theme (the fallback is the dark one), so a swatch, a badge
 * or a chart area follows the theme without reading it.
 */
export const JOB_STATE_COLORS: Record<JobState, string> = {
  ready: 'var(--state-ready, #4e9af1)',
  scheduled: 'var(--state-scheduled, #9a8cf0)',
  running: 'var(--state-running, #3ec7a5)',
  retrying: 'var(--state-retrying, #f0b43c)',
  failed: 'var(--state-failed, #f0605d)',
};

export type StateCounts = Record<JobState, number> & { total: number };

export function emptyCounts(): StateCounts {
  return { ready: 0, scheduled: 0, running: 0, retrying: 0, failed: 0, total: 0 };
}

/** The same derivation as the engine's SQL, for a job row already in memory. */
export function jobState(
  job: { lockedAt: string | null; attempts: number; maxAttempts: number; runAt: string },
  now = Date.now(),
): JobState {
  if (job.lockedAt) return 'running';
  if (job.attempts >= job.maxAttempts) return 'failed';
  if (job.attempts > 0) return 'retrying';
  return Date.parse(job.runAt) > now ? 'scheduled' : 'ready';
}

/**
 * When the last failure happened: graphile-worker's fail_job sets `run_at = greatest(now(), run_at) +
 * exp(least(attempts, 10)) s`, so for a job that ran when due, the failure was `exp(...)` seconds before run_at, and
 * after the job's last change (fail_job leaves updated_at alone). A failure made by hand (permanently_fail_jobs, Mark
 * permanently failed) keeps run_at and moves updated_at: worked back from run_at it lands before that change (even
 * before the job existed) or well after now (a scheduled or parked job), so it is dated at the change. "Well after":
 * past FUTURE_MARGIN_MS, since `now` may be the console's clock, a little behind the database's, and a fresh failure
 * would otherwise be taken for one by hand. The price: a failure of a run followed by another change that kept it (a
 * new priority) is dated at that change too. FAILED_AT (engine/monitor/count-query.ts) is the same rule in SQL.
 * Capped at `now`.
 */
export function failureTime(runAtMs: number, failedAttempt: number, now: number, updatedAtMs?: number | null): number {
  const worked = Math.round(runAtMs - Math.exp(Math.min(failedAttempt, 10)) * 1000);
  if (updatedAtMs != null && (worked < updatedAtMs || worked > now + FUTURE_MARGIN_MS)) return Math.min(now, updatedAtMs);
  return Math.min(now, worked);
}

/** How far after now a failure's time worked back from run_at must land to be taken for one made by hand. */
export const FUTURE_MARGIN_MS = 60_000;

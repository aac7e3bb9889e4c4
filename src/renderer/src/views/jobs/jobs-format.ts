import { BUILTIN_ERROR_TYPES, type ErrorTypeInfo } from '../../../../shared/errors/index.ts';
import type { MatchCount } from '../../../../shared/model/jobs.ts';
import type { JobState } from '../../../../shared/model/job-state.ts';
import { formatAge, formatAgo, formatClock, formatCount } from '../../format.ts';

/** `in 3 min` / `4 min ago` / `now`, against `now` (ms). */
export function relativeTime(iso: string, now: number): string {
  const delta = Date.parse(iso) - now;
  if (Math.abs(delta) < 1000) return 'now';
  return delta > 0 ? `in ${formatAge(delta)}` : formatAgo(-delta);
}

/** A time that has passed by definition (created, finished): never "in 2 s" when the clocks differ a little. */
export function pastTime(iso: string, now: number): string {
  const ago = now - Date.parse(iso);
  return ago < 1000 ? 'just now' : formatAgo(ago);
}

/**
 * When a job runs next, by its state: a permanently failed job runs no more (its run_at is the time it was due,
 * not a future run), a running one runs now, a due one waits for a worker.
 */
export function nextRun(job: { state: JobState; runAt: string }, now: number): string {
  // Short enough for the list's Run at column (at 1440 px "no further run" was cut); the row's title says it whole.
  if (job.state === 'failed') return 'none left';
  if (job.state === 'running') return 'running';
  const delta = Date.parse(job.runAt) - now;
  // Short enough for the list's narrowest column ("due, waiting 36 s" ran into the error beside it).
  return delta > 0 ? relativeTime(job.runAt, now) : formatAge(-delta) === 'now' ? 'due now' : `due ${formatAgo(-delta)}`;
}

/** A retry whose run_at has passed is due now ("due (retry)"): the overview counts it in Ready. */
export const isDueRetry = (job: { state: JobState; runAt: string }, now: number): boolean =>
  job.state === 'retrying' && Date.parse(job.runAt) <= now;

const TYPES = new Map<string, ErrorTypeInfo>(BUILTIN_ERROR_TYPES.map((t) => [t.type, t]));

/** How an error type is shown; unknown (custom) types get a neutral look. */
export function errorTypeInfo(type: string): ErrorTypeInfo {
  return (
    TYPES.get(type) ?? { type, label: type.replace(/_/g, ' '), color: '#8A8F98', description: 'Custom error type.', verdict: 'unknown' }
  );
}

/** "1,234 jobs", "about 1.2M jobs" (estimate, with a note), "12,000 jobs" (the monitor's count, as of its time). */
export function describeCount(count: MatchCount): { text: string; note: string | null } {
  if (count.basis === 'exact') return { text: `${formatCount(count.value)} ${count.value === 1 ? 'job' : 'jobs'}`, note: null };
  if (count.basis === 'snapshot') {
    return { text: `${formatCount(count.value)} jobs`, note: `monitor's count as of ${formatClock(count.at)}` };
  }
  return {
    text: `about ${formatCount(count.value)} jobs`,
    // atLeast 0: the exact count ran out of time (a big table), nothing was counted.
    note:
      count.atLeast > 0
        ? `estimate: over ${formatCount(count.atLeast - 1)} match, the planner guesses the rest`
        : `estimate: the planner's guess (an exact count would take too long)`,
  };
}

/**
 * Which attempts (in time order) begin a new count: an attempt number at or below the one before means the job was
 * retried (graphile-worker counts again from 1). The list marks them, so "1-5, then 1-4" reads as two runs of tries.
 */
export function attemptRecounts(attempts: ReadonlyArray<{ attempt: number | null }>): Set<number> {
  const starts = new Set<number>();
  let last: number | null = null;
  attempts.forEach((a, i) => {
    if (a.attempt === null) return;
    if (last !== null && a.attempt <= last) starts.add(i);
    last = a.attempt;
  });
  return starts;
}

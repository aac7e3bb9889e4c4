import { BUILTIN_ERROR_TYPES, type ErrorTypeInfo } from '../../../../shared/errors/index.ts';
import type { MatchCount } from '../../../../shared/model/jobs.ts';
import { formatAge, formatClock, formatCount } from '../../format.ts';

/** `in 3 min` / `4 min ago` / `now`, against `now` (ms). */
export function relativeTime(iso: string, now: number): string {
  const delta = Date.parse(iso) - now;
  if (Math.abs(delta) < 1000) return 'now';
  return delta > 0 ? `in ${formatAge(delta)}` : `${formatAge(-delta)} ago`;
}

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

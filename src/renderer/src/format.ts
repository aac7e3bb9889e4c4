/** Display helpers: numbers with thousands separators, times, ages and short ids. */

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

/** `12345` -> `12,345` (the viewer's locale). */
export function formatCount(n: number): string {
  return integer.format(n);
}

/** `12345` -> `12K`, for chart axes. */
export function formatCompact(n: number): string {
  return compact.format(n);
}

/**
 * A share as a whole percentage (`0.06` -> `6%`); never "100%" or "0%" for what is not all or none (232 of 233 jobs ended well is
 * 99.5%, not 100%: never rounded up to all): near either end, one decimal, and beyond it "<0.1%" or ">99.9%".
 */
export function formatPercent(p: number): string {
  const whole = Math.round(p * 100);
  if (whole === 100 && p < 1) return p >= 0.999 ? '>99.9%' : `${(Math.floor(p * 1000) / 10).toFixed(1)}%`;
  if (whole === 0 && p > 0) return p < 0.001 ? '<0.1%' : `${(Math.ceil(p * 1000) / 10).toFixed(1)}%`;
  return `${whole}%`;
}

// The hour as the locale writes it alone ('numeric'), as `full` (timeStyle) does: "4:18:27 AM" in a table and in a
// header, not "04:18:27 AM" in one and "4:18:27 AM" in the other.
const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', second: '2-digit' });
const hourMinute = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayHour = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: 'numeric', minute: '2-digit' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** `2:03:21 PM` (`14:03:21` where the locale counts 24 hours): today's times in banners. */
export function formatClock(at: string | number | Date): string {
  return timeOfDay.format(new Date(at));
}

/** Chart axis ticks: minutes for short ranges, weekday and hour for a week. */
export function formatAxisTime(at: number, rangeMinutes: number): string {
  return rangeMinutes > 24 * 60 ? dayHour.format(at) : hourMinute.format(at);
}

export function formatDateTime(at: string | number | Date): string {
  return full.format(new Date(at));
}

const monthDayTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });

/**
 * A time in a narrow table column: `12:41:07 PM` today, `Dec 2, 3:41 PM` another day of this year, the full date
 * otherwise (the cell's title keeps the exact time).
 */
export function formatWhen(at: string | number | Date, now = Date.now()): string {
  const d = new Date(at);
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return timeOfDay.format(d);
  return d.getFullYear() === today.getFullYear() ? monthDayTime.format(d) : full.format(d);
}

/** A run's duration: `840 ms`, `1.45 s`, `19.9 s` (a no-break space before the unit: a line never ends between them). */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}\u00a0ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}\u00a0s`;
}

/** `4 s ago`, `3 min ago`, or `just now` (never `now ago`). */
export function formatAgo(ms: number): string {
  const age = formatAge(ms);
  return age === 'now' ? 'just now' : `${age} ago`;
}

/** How long ago, short: `now`, `4 s`, `3 min`, `2 h`, `5 d`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 1) return 'now';
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** `pool-89bd66b9f8e1baca2f` -> `89bd66b9`: enough to tell pools apart; the full id goes in a title. */
export function shortPoolId(id: string | null): string {
  if (!id) return '—';
  return id.replace(/^pool-/, '').slice(0, 8);
}

/** `1 named queue`, `3 named queues`: a count with its noun, singular for exactly one. */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(n)} ${n === 1 ? singular : plural}`;
}

import { parseCrontab, type ParsedCronItem } from 'graphile-worker';

const MINUTE = 60_000;
/** Farther than any schedule graphile-worker's syntax can express without a match (Feb 29 comes within 4 years). */
const HORIZON_MINUTES = 4 * 366 * 24 * 60 + 60;

/** One crontab line parsed by graphile-worker itself (its identifier, task and matcher), or null when it is not valid. */
export function parseLine(line: string): ParsedCronItem | null {
  try {
    return parseCrontab(line)[0] ?? null;
  } catch {
    return null;
  }
}

/** The schedule part of a line: its five time fields. */
export const scheduleOf = (line: string) => line.trim().split(/\s+/).slice(0, 5).join(' ');

/**
 * The first minute after `from` that the item's matcher accepts, in UTC as graphile-worker digests it. The
 * matcher is graphile-worker's own, so the answer agrees with when its runner queues the job.
 */
export function nextRun(item: ParsedCronItem, from: Date): Date | null {
  let t = Math.floor(from.getTime() / MINUTE) * MINUTE + MINUTE;
  for (let i = 0; i < HORIZON_MINUTES; i++, t += MINUTE) {
    const d = new Date(t);
    const digest = { min: d.getUTCMinutes(), hour: d.getUTCHours(), date: d.getUTCDate(), month: d.getUTCMonth() + 1, dow: d.getUTCDay() };
    if (item.match(digest)) return d;
  }
  return null;
}

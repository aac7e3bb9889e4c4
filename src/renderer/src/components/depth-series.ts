import type { DepthSample } from '../../../shared/model/overview.ts';
import type { JobState } from '../../../shared/model/job-state.ts';

/** One point of the depth chart: a time and one value per state, or nulls where samples are missing. */
export type DepthPoint = { t: number } & Record<JobState, number | null>;

/** Bottom to top: what piles up forever (failed) is the base, work waiting for a worker is on top. */
export const STACK_ORDER: JobState[] = ['failed', 'retrying', 'running', 'ready', 'scheduled'];

/**
 * Samples as chart points, with a gap (null point) wherever no sample was taken for a while (the
 * console or the database was down), so the chart never draws a line across time it knows nothing of.
 */
export function toDepthPoints(samples: DepthSample[], rangeMinutes: number): DepthPoint[] {
  const bucketMs = Math.max(5000, (rangeMinutes * 60_000) / 240);
  const points: DepthPoint[] = [];
  let prev: number | null = null;
  for (const s of samples) {
    const t = Date.parse(s.at);
    if (prev !== null && t - prev > bucketMs * 3) {
      points.push({ t: prev + bucketMs, ready: null, scheduled: null, running: null, retrying: null, failed: null });
    }
    points.push({ t, ready: s.ready, scheduled: s.scheduled, running: s.running, retrying: s.retrying, failed: s.failed });
    prev = t;
  }
  return points;
}

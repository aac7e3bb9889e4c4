import type { DepthSample } from '../../../shared/model/overview.ts';
import { JOB_STATE_COLORS, JOB_STATE_LABELS, JOB_STATES, type JobState } from '../../../shared/model/job-state.ts';

/** A series of the depth chart: a job state, or the jobs a pause parked (taken out of Scheduled and Waiting to retry). */
export type DepthKey = JobState | 'paused';
export const DEPTH_KEYS: DepthKey[] = [...JOB_STATES, 'paused'];
export const DEPTH_LABELS: Record<DepthKey, string> = { ...JOB_STATE_LABELS, paused: 'Paused' };
export const DEPTH_COLORS: Record<DepthKey, string> = { ...JOB_STATE_COLORS, paused: 'var(--state-paused, #7b8499)' };

/** One point of the depth chart: a time and one value per series, or nulls where samples are missing. */
export type DepthPoint = { t: number } & Record<DepthKey, number | null>;

/** Bottom to top: what piles up forever (failed) is the base, work waiting for a worker is on top, held work above it. */
export const STACK_ORDER: DepthKey[] = ['failed', 'retrying', 'running', 'ready', 'scheduled', 'paused'];

/**
 * Samples as chart points, with a gap (null point) wherever no sample was taken for a while (the
 * console or the database was down), so the chart never draws a line across time it knows nothing of.
 */
export function toDepthPoints(samples: DepthSample[], rangeMinutes: number): DepthPoint[] {
  const bucketMs = Math.max(5000, (rangeMinutes * 60_000) / 240);
  const points: DepthPoint[] = [];
  let prev: number | null = null;
  for (const s of downsample(samples, bucketMs)) {
    const t = Date.parse(s.at);
    if (prev !== null && t - prev > bucketMs * 3) {
      points.push({ t: prev + bucketMs, ready: null, scheduled: null, running: null, retrying: null, failed: null, paused: null });
    }
    // Whole jobs only: bucketed samples may be averages, and "1.3 jobs" is not a count anyone can act on.
    const r = Math.round;
    points.push({
      t,
      ready: r(s.ready),
      scheduled: r(s.scheduled),
      running: r(s.running),
      retrying: r(s.retrying),
      failed: r(s.failed),
      paused: r(s.paused ?? 0),
    });
    prev = t;
  }
  return points;
}

const MAX_POINTS = 600;

/**
 * Averages samples into `bucketMs` buckets when there are too many to draw (the engine is meant to bucket
 * them already; this keeps the chart light if it sends every raw sample). The last sample stays as is.
 */
export function downsample(samples: DepthSample[], bucketMs: number): DepthSample[] {
  if (samples.length <= MAX_POINTS) return samples;
  const out: DepthSample[] = [];
  let key = NaN;
  let sum = { ready: 0, scheduled: 0, running: 0, retrying: 0, failed: 0, paused: 0 };
  let n = 0;
  const flush = () => {
    if (n === 0) return;
    const avg = (v: number) => Math.round(v / n);
    out.push({
      at: new Date(key * bucketMs).toISOString(),
      ready: avg(sum.ready),
      scheduled: avg(sum.scheduled),
      running: avg(sum.running),
      retrying: avg(sum.retrying),
      failed: avg(sum.failed),
      paused: avg(sum.paused),
    });
  };
  for (const s of samples.slice(0, -1)) {
    const k = Math.floor(Date.parse(s.at) / bucketMs);
    if (k !== key) {
      flush();
      key = k;
      sum = { ready: 0, scheduled: 0, running: 0, retrying: 0, failed: 0, paused: 0 };
      n = 0;
    }
    sum.ready += s.ready;
    sum.scheduled += s.scheduled;
    sum.running += s.running;
    sum.retrying += s.retrying;
    sum.failed += s.failed;
    sum.paused += s.paused ?? 0;
    n += 1;
  }
  flush();
  out.push(samples[samples.length - 1]);
  return out;
}

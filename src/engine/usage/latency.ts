import { LATENCY_BOUNDS_MS, LATENCY_BUCKETS } from '../../shared/model/usage.ts';

/** The bucket of a latency (ms): the first bound it does not exceed, else the overflow bucket. */
export function latencyBucket(ms: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (ms <= LATENCY_BOUNDS_MS[i]) return i;
  return LATENCY_BOUNDS_MS.length;
}

export const emptyBuckets = (): number[] => new Array<number>(LATENCY_BUCKETS).fill(0);

/** Adds `b` into `a` (same length); a stored array of another length (or not an array) counts as empty. */
export function addBuckets(a: number[], b: unknown): number[] {
  if (!Array.isArray(b) || b.length !== a.length) return a;
  for (let i = 0; i < a.length; i++) {
    const n = b[i] as unknown;
    if (typeof n === 'number' && Number.isFinite(n)) a[i] += n;
  }
  return a;
}

/** A quantile (0..1) estimated from bucket counts, interpolated inside its bucket; the overflow reports its floor. */
export function bucketQuantile(buckets: readonly number[], q: number): number | null {
  const total = buckets.reduce((x, y) => x + y, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i];
    if (n > 0 && seen + n >= rank) {
      const lo = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1];
      if (i >= LATENCY_BOUNDS_MS.length) return lo;
      const hi = LATENCY_BOUNDS_MS[i];
      return lo + ((hi - lo) * (rank - seen)) / n;
    }
    seen += n;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
}

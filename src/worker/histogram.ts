/**
 * Upper bounds (inclusive, in milliseconds) of the duration buckets kept per task and minute; the last bucket
 * holds everything above the last bound. LLM jobs run from milliseconds (cache hits) to many minutes, so the
 * bounds grow roughly 2-2.5x. Changing them needs a new migration (stored rows would be misread).
 */
export const DURATION_BUCKET_BOUNDS_MS: readonly number[] = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000,
];

/** Number of buckets: one per bound plus the overflow bucket. */
export const DURATION_BUCKET_COUNT = DURATION_BUCKET_BOUNDS_MS.length + 1;

export function durationBucket(ms: number): number {
  const bounds = DURATION_BUCKET_BOUNDS_MS;
  // Linear scan: 21 comparisons at most, no allocation; cheaper than a binary search at this size.
  for (let i = 0; i < bounds.length; i++) if (ms <= bounds[i]) return i;
  return bounds.length;
}

/**
 * Estimates a quantile (0..1) from bucket counts, interpolating linearly inside the bucket; the overflow bucket
 * reports its lower bound. Exported for the console and tests: the same arithmetic on both sides.
 */
export function bucketQuantile(buckets: readonly number[], q: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const count = buckets[i];
    if (count > 0 && seen + count >= rank) {
      const lower = i === 0 ? 0 : DURATION_BUCKET_BOUNDS_MS[i - 1];
      const upper = DURATION_BUCKET_BOUNDS_MS[i];
      if (upper === undefined) return lower;
      return lower + ((rank - seen) / count) * (upper - lower);
    }
    seen += count;
  }
  return DURATION_BUCKET_BOUNDS_MS[DURATION_BUCKET_BOUNDS_MS.length - 1];
}

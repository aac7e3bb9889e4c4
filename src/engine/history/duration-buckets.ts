/**
 * Run durations are kept per task and minute as a histogram (duration_minutes), so that the avg and p95 of a window
 * read a few rows per minute instead of sorting every run in it: over a million runs in the last hour, the sort
 * took 2 s of the console's thread at every refresh of the overview.
 *
 * Buckets are 8 per doubling: bucket b holds durations in (2^((b-1)/8), 2^(b/8)] ms, bucket 0 those up to 1 ms. Each
 * row also keeps the shortest and longest run it holds, so a percentile read from it is within 4.5 % of the exact
 * one (the geometric middle of its bucket, brought inside the runs actually seen there), and exact when its bucket
 * holds a single value.
 */
export const BUCKETS_PER_DOUBLING = 8;

/**
 * The same arithmetic in SQL, for migration 021's copy of the runs recorded before it (SQLite's math functions).
 * A unit test holds the two together.
 */
export const DURATION_BUCKET_SQL = `(case when duration_ms <= 1 then 0 else cast(ceil(log2(duration_ms) * ${BUCKETS_PER_DOUBLING}) as integer) end)`;

export function durationBucket(ms: number): number {
  return ms <= 1 ? 0 : Math.ceil(Math.log2(ms) * BUCKETS_PER_DOUBLING);
}

/** A bucket's rows in a window: how many runs, their total, and the shortest and longest of them. */
export interface BucketRow {
  bucket: number;
  runs: number;
  totalMs: number;
  minMs: number;
  maxMs: number;
}

/**
 * The nearest-rank percentile (`q` in 0..1) of the runs in `rows` (ordered by bucket): the middle of the bucket that
 * holds that rank, within the runs seen in it. Null when there are none.
 */
export function bucketPercentile(rows: readonly BucketRow[], q: number): number | null {
  const count = rows.reduce((n, r) => n + r.runs, 0);
  if (count === 0) return null;
  const rank = Math.ceil(q * count);
  let seen = 0;
  for (const r of rows) {
    seen += r.runs;
    if (seen >= rank) {
      const middle = r.bucket === 0 ? 1 : 2 ** ((r.bucket - 0.5) / BUCKETS_PER_DOUBLING);
      return Math.min(r.maxMs, Math.max(r.minMs, middle));
    }
  }
  return rows[rows.length - 1].maxMs;
}

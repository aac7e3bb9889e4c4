/**
 * Run durations are kept as histograms per task and time slot (duration_rollups), so that the avg and p95 of a
 * window read a bounded number of rows instead of sorting every run in it: over a million runs in the last hour,
 * the sort took 1.4-2 s of the console's thread at every refresh of the overview.
 *
 * Buckets are 8 per doubling: bucket b holds durations in (2^((b-1)/8), 2^(b/8)] ms, bucket 0 those up to 1 ms. Each
 * row also keeps the shortest and longest run it holds, so a percentile read from it is the geometric middle of its
 * bucket brought inside the runs actually seen there: within 4.5 % of the exact value above 1 ms, and exact when its
 * bucket holds a single value.
 *
 * Each run is counted in three slot widths (SPANS, in minutes), so that every window reads slots of its own chart's
 * bucket: the 1 h window minutes, 24 h quarter hours, 7 d and 30 d two hours (their charts' buckets, 2 h and 12 h,
 * are whole numbers of those, and so are their windows' starts). At 10 tasks with 30 buckets each in use, a window
 * reads at most about 50,000 rows, where one-minute slots made the 7 d window read 3 million.
 */
export const BUCKETS_PER_DOUBLING = 8;

/** Slot widths in minutes, finest first. */
export const SPANS = [1, 15, 120] as const;

/** The widest slot that divides a window's chart bucket (ms): its start is a whole number of them. */
export function spanFor(bucketMs: number): number {
  const minutes = bucketMs / 60_000;
  return [...SPANS].reverse().find((span) => minutes % span === 0) ?? 1;
}

/**
 * The same arithmetic in SQL, for the backfill of the runs recorded before the rollups existed (SQLite's math
 * functions). A unit test holds the two together.
 */
export const DURATION_BUCKET_SQL = `(case when duration_ms <= 1 then 0 else cast(ceil(log2(duration_ms) * ${BUCKETS_PER_DOUBLING}) as integer) end)`;

/** Adds a slot's runs to what its row holds already (the live writes and the backfill). */
export const ROLLUP_UPSERT = `on conflict (connection_id, span, slot, task, bucket) do update set runs = runs + excluded.runs,
  total_ms = total_ms + excluded.total_ms, min_ms = min(min_ms, excluded.min_ms), max_ms = max(max_ms, excluded.max_ms)`;

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

import type pg from 'pg';
import { MAX_ERROR_CHARS } from '../../shared/model/history.ts';
import { BUCKET_SHIFT, bucketIds, bucketOf, rowHashSql } from '../pg/id-ranges.ts';

/** The oldest transaction still running in the statement's snapshot (64-bit, as text): see `CHANGED_RANGES_SQL`. */
const SNAPSHOT_XMIN = '(select txid_snapshot_xmin(txid_current_snapshot()))::text';

/**
 * Every range's hash: one sequential scan in Postgres, one row back (`bucket/count:sum` per range, comma-separated:
 * pg parses a text at once, where ~8,000 rows or array items cost it tens of ms), with the snapshot's xmin. Grouped
 * by the integer range, not its text (a fifth faster).
 */
export function bucketHashSql(serverVersionNum: number): string {
  return `select ${SNAPSHOT_XMIN} as xmin,
            string_agg(r.bucket::text || '/' || r.hash, ',') as ranges
          from (select j.id >> ${BUCKET_SHIFT} as bucket, count(*)::text || ':' || sum(${rowHashSql(serverVersionNum)})::text as hash
                from graphile_worker._private_jobs j group by j.id >> ${BUCKET_SHIFT}) r`;
}

/**
 * What changed since an earlier pass, without hashing a row: per range, its job count and how many of its rows
 * were written by a transaction that pass could not see. Every row version carries the id of the transaction that
 * wrote it (`xmin`; a subtransaction's own id, always above its parent's). One the earlier snapshot could not see
 * was still running then or began after, so its id is at least that snapshot's xmin ($1, the oldest transaction
 * running then): `age(xmin)`, the distance back from the newest transaction id, is at most `age($1)`. Rows of
 * transactions that had committed while an older one still ran (in any database of the cluster: ids are shared)
 * are counted too: the watcher checks such a range's hash before reading it (`rangeHashes`).
 * A row removed changes its range's count; a row removed and another added in the same range is seen by the
 * added one. The ids are 32-bit and wrap: the watcher uses this only while the earlier xmin is less than 2^30
 * transactions back (`XMIN_WINDOW`), and a hash pass now and then checks everything (see the watcher).
 * About 2.7x cheaper than the hash pass at a million jobs (150 against 400 ms): no hash per row.
 */
export const CHANGED_RANGES_SQL = `select ${SNAPSHOT_XMIN} as xmin,
            string_agg(r.bucket::text || '/' || r.jobs::text || '/' || r.touched::text, ',') as ranges
          from (select j.id >> ${BUCKET_SHIFT} as bucket, count(*) as jobs,
                       count(*) filter (where age(j.xmin) between 1 and (select age($1::text::xid))) as touched
                from graphile_worker._private_jobs j group by j.id >> ${BUCKET_SHIFT}) r`;

/**
 * The hashes of some ranges, in the hash pass's form (index range scans on the primary key): for the ranges a pass
 * by transaction ids could not clear by itself (see the watcher).
 */
export async function rangeHashes(pool: pg.Pool, serverVersionNum: number, buckets: number[]): Promise<Map<number, string>> {
  const { rows } = await pool.query<{ bucket: string; hash: string }>(
    `select b.n::text as bucket, count(*)::text || ':' || sum(${rowHashSql(serverVersionNum)})::text as hash
     from unnest($1::int8[]) as b(n)
     join graphile_worker._private_jobs j on j.id >= (b.n << ${BUCKET_SHIFT}) and j.id < ((b.n + 1) << ${BUCKET_SHIFT})
     group by b.n`,
    [buckets],
  );
  return new Map(rows.map((r) => [Number(r.bucket), r.hash]));
}

/** Transactions back from the newest, past which `CHANGED_RANGES_SQL` is not trusted (its ids are 32-bit). */
export const XMIN_WINDOW = 2n ** 30n;

/** The 32-bit transaction id of a 64-bit one (txid_snapshot_xmin's), as `CHANGED_RANGES_SQL` takes it. */
export const xid32 = (txid: bigint): string => String(txid % 2n ** 32n);

/** A detection pass's one row: `bucket/...` items, comma-separated (null for an empty table). */
export function parseRanges(text: string | null): string[][] {
  return text ? text.split(',').map((item) => item.split('/')) : [];
}

/** A job as the watcher needs it. */
export interface WatchedJobRow {
  id: number;
  task: string;
  attempts: number;
  maxAttempts: number;
  locked: boolean;
  /** The pool holding the job (graphile-worker's locked_by), when locked. */
  poolId: string | null;
  lastError: string | null;
  /** The rest is read only for a job with an error (a failed attempt to write); null, 0 and 0 otherwise. */
  queue: string | null;
  /** updated_at in whole seconds: the generation of the job's attempts (see attempts-repo). */
  generation: number;
  runAtMs: number;
}

/**
 * A job as Postgres returns it: a row of `fetchBuckets` (rowMode 'array'), or a tuple of a first sync's JSON array
 * per range (`firstSyncSql`, where NaN and the infinities are strings). An object per row with named keys was a
 * fifth of a first sync's time: id, task, attempts, max_attempts, locked_by ('' when locked by no
 * one named, null when not locked), last_error, queue, generation, run_at_ms (the last three only with an error).
 */
type WatchedJobRowSql = [
  id: number,
  task: string,
  attempts: number,
  maxAttempts: number,
  lockedBy: string | null,
  lastError: string | null,
  queue: string | null,
  generation: number | string | null,
  runAtMs: number | string | null,
];

/** What the watcher reads of each job `j` (a row of `WatchedJobRowSql`): error texts cut in Postgres. */
const WATCHED_COLUMNS = `j.id::float8, t.identifier, j.attempts, j.max_attempts,
  case when j.locked_at is not null then coalesce(left(j.locked_by, 200), '') end,
  left(j.last_error, ${MAX_ERROR_CHARS + 1}),
  case when j.last_error is not null then (select q.queue_name from graphile_worker._private_job_queues q where q.id = j.job_queue_id) end,
  case when j.last_error is not null then floor(extract(epoch from j.updated_at))::float8 end,
  case when j.last_error is not null then (extract(epoch from j.run_at) * 1000)::float8 end`;

const toWatched = ([
  id,
  task,
  attempts,
  maxAttempts,
  lockedBy,
  lastError,
  queue,
  generation,
  runAtMs,
]: WatchedJobRowSql): WatchedJobRow => ({
  id,
  task,
  attempts,
  maxAttempts,
  locked: lockedBy !== null,
  poolId: lockedBy || null,
  lastError,
  queue,
  generation: numberOf(generation) ?? 0,
  runAtMs: numberOf(runAtMs) ?? 0,
});

/** A float of a JSON tuple: Postgres writes NaN and the infinities as strings there ('Infinity'). */
const numberOf = (value: number | string | null): number | null => (typeof value === 'string' ? Number(value) : value);

/**
 * The jobs of some id ranges, by id (index range scans on the primary key), and each range's hash over exactly the
 * rows read, in the hash pass's form (`count:sum`), so what is stored beside a range's copy is that copy's hash.
 */
export async function fetchBuckets(
  pool: pg.Pool,
  serverVersionNum: number,
  buckets: number[],
): Promise<Pick<RangesRead, 'hashes' | 'jobsOf'>> {
  if (buckets.length === 0) return { hashes: new Map(), jobsOf: () => [] };
  const { rows } = await pool.query<[...WatchedJobRowSql, hash: string]>({
    rowMode: 'array',
    text: `select ${WATCHED_COLUMNS}, ${rowHashSql(serverVersionNum)}::text
           from unnest($1::int8[]) as b(n)
           join graphile_worker._private_jobs j on j.id >= (b.n << ${BUCKET_SHIFT}) and j.id < ((b.n + 1) << ${BUCKET_SHIFT})
           join graphile_worker._private_tasks t on t.id = j.task_id`,
    values: [buckets],
  });
  // Sorted here: an ORDER BY makes the planner trade the index range scans for a parallel scan of the whole table.
  rows.sort((a, b) => a[0] - b[0]);
  const sums = new Map<number, { count: number; sum: bigint }>();
  for (const row of rows) {
    const bucket = bucketOf(row[0]);
    const s = sums.get(bucket) ?? { count: 0, sum: 0n };
    s.count++;
    s.sum += BigInt(row[9]);
    sums.set(bucket, s);
  }
  const hashes = new Map([...sums].map(([bucket, s]) => [bucket, `${s.count}:${s.sum}`]));
  const jobs = rows.map((row) => toWatched(row as unknown as WatchedJobRowSql));
  return {
    hashes,
    jobsOf: (part) => {
      const [from] = bucketIds(part[0]);
      const [, to] = bucketIds(part[part.length - 1]);
      return jobs.slice(firstAtLeast(jobs, from), firstAtLeast(jobs, to));
    },
  };
}

/** The index of the first job whose id is at least `id` (jobs sorted by id). */
function firstAtLeast(jobs: WatchedJobRow[], id: number): number {
  let lo = 0;
  let hi = jobs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (jobs[mid].id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Jobs read per round trip of a first sync: 1,024 first, doubling up to 8,192. The first rows go through code not
 * yet optimised (parsing, statements prepared on first use), where 8,192 at once held the event loop 100+ ms.
 */
export const FIRST_SYNC_ROWS = { first: 1024, most: 8192 };

/** Some whole id ranges read, with their hashes, and where the next read starts (null: the end). */
export interface RangesRead {
  buckets: number[];
  hashes: Map<number, string>;
  next: number | null;
  /** The jobs of consecutive ranges of `buckets`, by id (made when asked for: see `firstSyncSql`). */
  jobsOf: (part: number[]) => WatchedJobRow[];
}

/**
 * A first sync (no range copied yet) needs every job: instead of a hash pass over the whole table followed by a
 * read of every range, it reads the jobs in id order (FIRST_SYNC_ROWS at a time), each range's hash computed in the
 * same statement (so in the same snapshot as the rows it is stored beside). The last range of a full read may be
 * cut: it is left for the next read, which starts at that range.
 *
 * One row per range: its number, job count, hash, and its jobs as one JSON array of `WatchedJobRowSql` tuples.
 * Postgres builds the JSON on its own core; here a range's text is parsed only when its turn to be written comes.
 * Row by row, the read waiting its turn (the next is read while this one is written) held an object per job long
 * enough for V8 to move a million of them to its old generation: 120 MB of heap before the first full collection,
 * and pg's parsing of every field took 0.8 s of the console's thread. NaN and infinite numbers come as strings (JSON
 * has no such numbers): `numberOf` reads them.
 */
export function firstSyncSql(serverVersionNum: number): string {
  return `select (j.id >> ${BUCKET_SHIFT})::float8, count(*)::float8,
            count(*)::text || ':' || sum(${rowHashSql(serverVersionNum)})::text,
            json_agg(json_build_array(${WATCHED_COLUMNS}) order by j.id)::text
          from (select id, task_id, attempts, max_attempts, locked_at, locked_by, last_error, job_queue_id, updated_at, run_at
                from graphile_worker._private_jobs where id >= $1 order by id limit $2) j
          join graphile_worker._private_tasks t on t.id = j.task_id
          group by 1 order by 1`;
}

/** One read of a first sync (`firstSyncSql`): up to `limit` jobs from `fromId` on, cut at the last whole range. */
export async function fetchFrom(pool: pg.Pool, sql: string, fromId: number, limit: number): Promise<RangesRead> {
  const { rows } = await pool.query<[bucket: number, jobs: number, hash: string, json: string]>({
    rowMode: 'array',
    text: sql,
    values: [fromId, limit],
  });
  let read = 0;
  for (const row of rows) read += row[1];
  // A full read may end inside a range: that range is read again, whole, by the next one.
  const full = read >= limit && rows.length > 0;
  const kept = full ? rows.slice(0, -1) : rows;
  const texts = new Map(kept.map((row) => [row[0], row[3]]));
  return {
    buckets: kept.map((row) => row[0]),
    hashes: new Map(kept.map((row) => [row[0], row[2]])),
    next: full ? bucketIds(rows[rows.length - 1][0])[0] : null,
    jobsOf: (part) => {
      const jobs: WatchedJobRow[] = [];
      for (const bucket of part) {
        for (const tuple of JSON.parse(texts.get(bucket) ?? '[]') as WatchedJobRowSql[]) jobs.push(toWatched(tuple));
      }
      return jobs;
    },
  };
}

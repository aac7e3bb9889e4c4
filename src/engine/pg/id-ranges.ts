/**
 * graphile-worker's jobs grouped by id into ranges of 2^7 = 128 ids: the unit in which the history watcher finds
 * and reads what changed, and in which the monitor keeps its counts. A changed job costs re-reading its 128
 * neighbours, and 1M jobs make ~7,800 ranges (measured in bench/history.bench.ts; 1024-id ranges read 8x more).
 */
export const BUCKET_SHIFT = 7;
const BUCKET_SIZE = 2 ** BUCKET_SHIFT;

/** The id range a bucket covers, [from, to). */
export const bucketIds = (bucket: number): [from: number, to: number] => [bucket * BUCKET_SIZE, (bucket + 1) * BUCKET_SIZE];

/** The bucket a job id falls in. */
export const bucketOf = (id: number): number => Math.floor(id / BUCKET_SIZE);

/**
 * One hash per job over what changes when a job is added, taken, fails, is rescheduled or disappears:
 * id, attempts, max_attempts, locked_at, run_at and updated_at (`updated_at` alone does not move on a failure,
 * but `attempts` moves on every take and `run_at` on every failure). `hash_record_extended` needs PostgreSQL 14;
 * older servers hash the same columns as text. A range's hash is its job count, a colon and the sum of its rows'.
 */
export function rowHashSql(serverVersionNum: number): string {
  return serverVersionNum >= 140000
    ? 'hash_record_extended((j.id, j.attempts, j.max_attempts, j.locked_at, j.run_at, j.updated_at), 0)'
    : `hashtextextended(concat_ws(',', j.id, j.attempts, j.max_attempts, j.locked_at, j.run_at, j.updated_at), 0)`;
}

/**
 * What one pass of the history watcher found of every id range (the one pass over graphile-worker's jobs that both
 * the watcher and the monitor's counts go by): per range, its job count and whether a row of it was written by a
 * transaction the pass before could not see (a pass by transaction ids), or its hash (a hash pass). A range missing
 * holds no job.
 */
export type RangeDetection = {
  /** When the pass's read was sent (local ms): what was committed before it is in what it found. */
  startedAt: number;
} & ({ kind: 'xmin'; ranges: Map<number, { jobs: number; touched: boolean }> } | { kind: 'hash'; ranges: Map<number, string> });

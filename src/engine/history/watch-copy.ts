import type { Db } from '../store/db.ts';
import { bucketIds, bucketOf } from '../pg/id-ranges.ts';
import { groupBy } from './group-by.ts';

/** A job as the watcher last saw it. */
export interface CopiedJob {
  jobId: number;
  task: string;
  attempts: number;
  maxAttempts: number;
  locked: boolean;
  /** FNV-1a of last_error, 0 when none: tells a new failure from a reschedule. */
  errorHash: number;
  /** Its end was counted by a worker's own account (the hosted runner's, the companion's): not inferred again. */
  gone: boolean;
}

/** One copied job in `watch_buckets.jobs`, under its task: [id - range start, attempts, max_attempts, locked, error_hash, gone]. */
type Packed = [offset: number, attempts: number, maxAttempts: number, locked: 0 | 1, errorHash: number, gone: 0 | 1];

/**
 * The watcher's copy of one id range (128 ids), as the JSON text kept beside the range's hash (migration 018):
 * `{"<task>": [[offset, attempts, max_attempts, locked, error_hash, gone], ...], ...}`. One row per range rather than
 * one per job: a first sync of a million jobs writes ~7,800 rows instead of a million, and the copy of a range is
 * read and replaced whole, as the watcher always reads it.
 */
export function decodeRange(bucket: number, text: string | null | undefined, into: Map<number, CopiedJob>): void {
  if (!text) return;
  const start = bucketIds(bucket)[0];
  const byTask = JSON.parse(text) as Record<string, Packed[]>;
  for (const task in byTask) {
    for (const [offset, attempts, maxAttempts, locked, errorHash, gone] of byTask[task]) {
      const jobId = start + offset;
      into.set(jobId, { jobId, task, attempts, maxAttempts, locked: locked === 1, errorHash, gone: gone === 1 });
    }
  }
}

/** A range's new copy, built job by job (no object per job: a first sync adds a million) and written as its text. */
export class RangeCopy {
  private readonly start: number;
  // No prototype: a task may be called `constructor` or `__proto__`.
  private readonly byTask = Object.create(null) as Record<string, Packed[]>;
  size = 0;

  constructor(bucket: number) {
    this.start = bucketIds(bucket)[0];
  }

  add(job: CopiedJob): void {
    (this.byTask[job.task] ??= []).push([
      job.jobId - this.start,
      job.attempts,
      job.maxAttempts,
      job.locked ? 1 : 0,
      job.errorHash,
      job.gone ? 1 : 0,
    ]);
    this.size++;
  }

  text(): string {
    return JSON.stringify(this.byTask);
  }
}

/** The JSON text of a range's copied jobs (all of `bucket`). */
export function encodeRange(bucket: number, jobs: Iterable<CopiedJob>): string {
  const copy = new RangeCopy(bucket);
  for (const job of jobs) copy.add(job);
  return copy.text();
}

/**
 * Marks jobs of the copy as ended by a worker's own account, so the watcher does not count their end again when
 * they leave the table. Jobs not in the copy (never seen by the watcher) are left alone: a range read later finds
 * them ended through `job_attempts` (watch-apply).
 */
export function copyMarker(db: Db) {
  const read = db.prepare<[string, number], { jobs: string }>('select jobs from watch_buckets where connection_id = ? and bucket = ?');
  const write = db.prepare('update watch_buckets set jobs = ? where connection_id = ? and bucket = ?');
  return (connectionId: string, jobIds: readonly number[]): void => {
    for (const [bucket, ids] of groupBy(jobIds, bucketOf)) {
      const row = read.get(connectionId, bucket);
      if (!row) continue;
      const copy = new Map<number, CopiedJob>();
      decodeRange(bucket, row.jobs, copy);
      let changed = false;
      for (const id of ids) {
        const job = copy.get(id);
        if (job && !job.gone) changed = job.gone = true;
      }
      if (changed) write.run(encodeRange(bucket, copy.values()), connectionId, bucket);
    }
  };
}

import { writeTransaction, type Db } from '../store/db.ts';
import type { AttemptsRepo, WatchedFailure } from './attempts-repo.ts';
import { failureRollup } from './failure-rollup.ts';
import { decodeRange, RangeCopy, type CopiedJob } from './watch-copy.ts';
import { bucketIds, bucketOf } from '../pg/id-ranges.ts';
import type { WatchedJobRow } from './watch-scan.ts';
import { failureTime } from '../../shared/model/job-state.ts';

export interface ApplyContext {
  db: Db;
  attempts: AttemptsRepo;
  connectionId: string;
  classify(message: string): string;
  /**
   * Whether a reporting worker (the companion) may have run this job: then its end waits for the worker's own
   * account (watch_vanished) instead of being inferred now.
   */
  awaitsReport?(task: string): boolean;
  now: number;
}

/** 32-bit FNV-1a of a text, never 0 (0 means "no error"). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h || 1;
}

export interface ApplyResult {
  newAttempts: number;
  successes: number;
  removed: number;
  /** Jobs gone while a reporting worker may have run them: their end waits for its account. */
  deferred: number;
}

/**
 * Compares what Postgres holds now in some id ranges with the watcher's copy, in one SQLite transaction:
 * - an error visible now is a failed attempt (`attempts` if unlocked, `attempts - 1` while the next try runs,
 *   since graphile-worker keeps last_error until the next failure), unless the copy already had that attempt
 *   with that error (a reschedule bumps updated_at, the generation); the unique key drops ones already known;
 * - a job in the copy but no longer in Postgres was completed (counted as a success) unless it was
 *   permanently failed (then it was removed) or the hosted runner or the companion already counted it; when a
 *   reporting worker may have run it, the judgement waits for that worker's account (see watch-settle).
 */
export function applyBuckets(ctx: ApplyContext, buckets: number[], rows: WatchedJobRow[], hashes: Map<number, string>): ApplyResult {
  return bucketApplier(ctx.db)(ctx, buckets, rows, hashes);
}

export type BucketApplier = (ctx: ApplyContext, buckets: number[], rows: WatchedJobRow[], hashes: Map<number, string>) => ApplyResult;

/**
 * `applyBuckets` with its statements prepared once: the watcher applies a first sync of a million jobs in about a
 * thousand short transactions, and preparing a dozen statements for each would cost more than some of them.
 * Each transaction ends by folding its new failed attempts into the 15-minute rollup (one grouped insert).
 */
export function bucketApplier(db: Db): BucketApplier {
  const readRange = db.prepare<[string, number], { jobs: string }>('select jobs from watch_buckets where connection_id = ? and bucket = ?');
  const defer = db.prepare(
    `insert into watch_vanished (connection_id, job_id, task, permanently_failed, vanished_at) values (?, ?, ?, ?, ?)
     on conflict (connection_id, job_id) do nothing`,
  );
  // Judged at once (no reporting worker's account awaited): kept as settled all the same, so an account that comes
  // after all (the companion's feed started reading meanwhile) corrects the judgement instead of counting twice.
  const settledNow = db.prepare(
    `insert into watch_vanished (connection_id, job_id, task, permanently_failed, vanished_at, settled, settled_at)
     values (?, ?, ?, ?, ?, ?, ?) on conflict (connection_id, job_id) do nothing`,
  );
  // Jobs read from Postgres before they ended, whose end a worker reported before this write: already counted.
  // One range read per id range rather than a lookup per job (a first sync has a million jobs new to the copy).
  const endedInRange = db.prepare<[string, number, number], { job_id: number }>(
    `select job_id from job_attempts where connection_id = ? and job_id >= ? and job_id < ? and outcome in ('success', 'cancelled')`,
  );
  const putRange = db.prepare(
    `insert into watch_buckets (connection_id, bucket, hash, jobs) values (?, ?, ?, ?)
     on conflict (connection_id, bucket) do update set hash = excluded.hash, jobs = excluded.jobs`,
  );
  const dropRange = db.prepare('delete from watch_buckets where connection_id = ? and bucket = ?');

  const rollup = failureRollup(db);
  const run = writeTransaction(db, (ctx: ApplyContext, buckets: number[], rows: WatchedJobRow[], hashes: Map<number, string>) => {
    const { connectionId } = ctx;
    const result: ApplyResult = { newAttempts: 0, successes: 0, removed: 0, deferred: 0 };
    // Successes per task, written once per transaction (a catch-up may find many thousands of jobs gone).
    const successes = new Map<string, number>();
    const stored = new Map<number, CopiedJob>();
    for (const b of buckets) decodeRange(b, readRange.get(connectionId, b)?.jobs, stored);
    // Only the ranges holding jobs new to the copy can hold one already reported ended.
    const newRanges = new Set<number>();
    for (const r of rows) if (!stored.has(r.id)) newRanges.add(bucketOf(r.id));
    const ended = new Set<number>();
    for (const b of newRanges) for (const e of endedInRange.all(connectionId, ...bucketIds(b))) ended.add(e.job_id);
    // The new copy of each range, built as the rows are compared and written once per range.
    const copies = new Map(buckets.map((b) => [b, new RangeCopy(b)]));
    const failures: WatchedFailure[] = [];
    for (const r of rows) {
      const failed = r.locked ? r.attempts - 1 : r.attempts;
      const errorHash = r.lastError === null ? 0 : fnv1a(r.lastError);
      const s = stored.get(r.id);
      const sameAsBefore = s !== undefined && errorHash === s.errorHash && failed === (s.locked ? s.attempts - 1 : s.attempts);
      // Same attempt and error as before: a take, or a reschedule (which bumps the generation), unless the failure
      // happened after the last admin change: a retry (attempts := 0) that failed again at the same attempt.
      if (r.lastError !== null && failed >= 1) {
        const failedAt = r.runAtMs - Math.exp(Math.min(failed, 10)) * 1000;
        const afterChange = failedAt >= r.generation * 1000 - 1000 && failedAt <= ctx.now + 1000;
        if (!sameAsBefore || afterChange) {
          failures.push({
            jobId: r.id,
            generation: r.generation,
            task: r.task,
            queue: r.queue,
            attempt: failed,
            maxAttempts: r.maxAttempts,
            // A failure made by hand is dated at the change that made it (updated_at, the generation): see failureTime.
            at: failureTime(r.runAtMs, failed, ctx.now, r.generation * 1000),
            error: r.lastError,
            errorType: ctx.classify(r.lastError),
            final: !r.locked && r.attempts >= r.maxAttempts,
          });
        }
      }
      const copy = copies.get(bucketOf(r.id));
      if (!copy) throw new Error(`history watcher: job ${r.id} is outside the ranges asked for`);
      copy.add({
        jobId: r.id,
        task: r.task,
        attempts: r.attempts,
        maxAttempts: r.maxAttempts,
        locked: r.locked,
        errorHash,
        gone: s ? s.gone : ended.has(r.id),
      });
      stored.delete(r.id);
    }
    result.newAttempts = ctx.attempts.recordFromWatch(connectionId, failures);
    for (const s of stored.values()) {
      const permanentlyFailed = !s.locked && s.attempts >= s.maxAttempts;
      if (s.gone) continue;
      if (ctx.awaitsReport?.(s.task)) {
        defer.run(connectionId, s.jobId, s.task, permanentlyFailed ? 1 : 0, ctx.now);
        result.deferred++;
      } else if (permanentlyFailed) {
        settledNow.run(connectionId, s.jobId, s.task, 1, ctx.now, 'removed', ctx.now);
        result.removed++;
      } else {
        successes.set(s.task, (successes.get(s.task) ?? 0) + 1);
        settledNow.run(connectionId, s.jobId, s.task, 0, ctx.now, 'success', ctx.now);
        result.successes++;
      }
    }
    for (const [b, copy] of copies) {
      const hash = hashes.get(b);
      // A range with no hash but jobs read (added after the hash pass) keeps its copy under a hash that matches
      // nothing, so the next scan reads it again.
      if (hash === undefined && copy.size === 0) dropRange.run(connectionId, b);
      else putRange.run(connectionId, b, hash ?? '', copy.text());
    }
    for (const [task, n] of successes) ctx.attempts.recordSuccess(connectionId, task, ctx.now, n);
    rollup.fold();
    return result;
  });
  return (ctx, buckets, rows, hashes) => run(ctx, buckets, rows, hashes);
}

import type { Db } from '../store/db.ts';
import type { AttemptsRepo } from './attempts-repo.ts';
import { failureRollup } from './failure-rollup.ts';
import { bucketIds, bucketOf, failureTime, type WatchedJobRow } from './watch-scan.ts';

interface StoredJob {
  job_id: number;
  task: string;
  attempts: number;
  max_attempts: number;
  locked: number;
  error_hash: number;
  gone: number;
}

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
  const selectRange = db.prepare<[string, number, number], StoredJob>(
    'select job_id, task, attempts, max_attempts, locked, error_hash, gone from watch_jobs where connection_id = ? and job_id >= ? and job_id < ?',
  );
  const upsert = db.prepare(
    `insert into watch_jobs (connection_id, job_id, task, queue, attempts, max_attempts, locked, error_hash)
     values (?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (connection_id, job_id) do update set attempts = excluded.attempts, max_attempts = excluded.max_attempts,
       locked = excluded.locked, error_hash = excluded.error_hash`,
  );
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
  const remove = db.prepare('delete from watch_jobs where connection_id = ? and job_id = ?');
  // Jobs read from Postgres before they ended, whose end a worker reported before this write: already counted.
  // One range read per id range rather than a lookup per job (a first sync has a million jobs new to the copy).
  const endedInRange = db.prepare<[string, number, number], { job_id: number }>(
    `select job_id from job_attempts where connection_id = ? and job_id >= ? and job_id < ? and outcome in ('success', 'cancelled')`,
  );
  const markGone = db.prepare('update watch_jobs set gone = 1 where connection_id = ? and job_id = ?');
  const putHash = db.prepare(
    'insert into watch_buckets (connection_id, bucket, hash) values (?, ?, ?) on conflict (connection_id, bucket) do update set hash = excluded.hash',
  );
  const dropHash = db.prepare('delete from watch_buckets where connection_id = ? and bucket = ?');

  const rollup = failureRollup(db);
  const run = db.transaction((ctx: ApplyContext, buckets: number[], rows: WatchedJobRow[], hashes: Map<number, string>) => {
    const { connectionId } = ctx;
    const result: ApplyResult = { newAttempts: 0, successes: 0, removed: 0, deferred: 0 };
    // Successes per task, written once per transaction (a catch-up may find many thousands of jobs gone).
    const successes = new Map<string, number>();
    const stored = new Map<number, StoredJob>();
    for (const b of buckets) for (const s of selectRange.all(connectionId, ...bucketIds(b))) stored.set(s.job_id, s);
    // Only the ranges holding jobs new to the copy can hold one already reported ended.
    const newRanges = new Set<number>();
    for (const r of rows) if (!stored.has(r.id)) newRanges.add(bucketOf(r.id));
    const ended = new Set<number>();
    for (const b of newRanges) for (const e of endedInRange.all(connectionId, ...bucketIds(b))) ended.add(e.job_id);
    for (const r of rows) {
      const failed = r.locked ? r.attempts - 1 : r.attempts;
      const errorHash = r.lastError === null ? 0 : fnv1a(r.lastError);
      const s = stored.get(r.id);
      const sameAsBefore = s !== undefined && errorHash === s.error_hash && failed === (s.locked ? s.attempts - 1 : s.attempts);
      // Same attempt and error as before: a take, or a reschedule (which bumps the generation), unless the failure
      // happened after the last admin change: a retry (attempts := 0) that failed again at the same attempt.
      const failedAt = r.runAtMs - Math.exp(Math.min(failed, 10)) * 1000;
      const afterChange = failedAt >= r.generation * 1000 - 1000 && failedAt <= ctx.now + 1000;
      if (r.lastError !== null && failed >= 1 && (!sameAsBefore || afterChange)) {
        const written = ctx.attempts.recordFromWatch({
          connectionId,
          jobId: r.id,
          generation: r.generation,
          task: r.task,
          queue: r.queue,
          attempt: failed,
          maxAttempts: r.maxAttempts,
          at: failureTime(r.runAtMs, failed, ctx.now),
          error: r.lastError,
          errorType: ctx.classify(r.lastError),
          durationMs: null,
          poolId: null,
          final: !r.locked && r.attempts >= r.maxAttempts,
        });
        if (written) result.newAttempts++;
      }
      upsert.run(connectionId, r.id, r.task, r.queue, r.attempts, r.maxAttempts, r.locked ? 1 : 0, errorHash);
      if (!s && ended.has(r.id)) markGone.run(connectionId, r.id);
      stored.delete(r.id);
    }
    for (const s of stored.values()) {
      remove.run(connectionId, s.job_id);
      const permanentlyFailed = !s.locked && s.attempts >= s.max_attempts;
      if (s.gone) continue;
      if (ctx.awaitsReport?.(s.task)) {
        defer.run(connectionId, s.job_id, s.task, permanentlyFailed ? 1 : 0, ctx.now);
        result.deferred++;
      } else if (permanentlyFailed) {
        settledNow.run(connectionId, s.job_id, s.task, 1, ctx.now, 'removed', ctx.now);
        result.removed++;
      } else {
        successes.set(s.task, (successes.get(s.task) ?? 0) + 1);
        settledNow.run(connectionId, s.job_id, s.task, 0, ctx.now, 'success', ctx.now);
        result.successes++;
      }
    }
    for (const b of buckets) {
      const hash = hashes.get(b);
      if (hash === undefined) dropHash.run(connectionId, b);
      else putHash.run(connectionId, b, hash);
    }
    for (const [task, n] of successes) ctx.attempts.recordSuccess(connectionId, task, ctx.now, n);
    rollup.fold();
    return result;
  });
  return (ctx, buckets, rows, hashes) => run(ctx, buckets, rows, hashes);
}

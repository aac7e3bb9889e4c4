import type { Db } from '../store/db.ts';
import type { AttemptsRepo } from './attempts-repo.ts';
import { BUCKET_SHIFT, failureTime, type WatchedJobRow } from './watch-scan.ts';

interface StoredJob {
  job_id: number;
  task: string;
  attempts: number;
  max_attempts: number;
  locked: number;
  has_error: number;
  gone: number;
}

export interface ApplyContext {
  db: Db;
  attempts: AttemptsRepo;
  connectionId: string;
  classify(message: string): string;
  /** Jobs the hosted runner reported finished: their end is counted already. */
  finishedByRunner(jobId: number): boolean;
  now: number;
}

export interface ApplyResult {
  newAttempts: number;
  successes: number;
  removed: number;
}

/**
 * Compares what Postgres holds now in some id ranges with the watcher's copy, in one SQLite transaction:
 * - an error visible now is a failed attempt (`attempts` if unlocked, `attempts - 1` while the next try runs,
 *   since graphile-worker keeps last_error until the next failure); the unique key drops ones already known;
 * - a job in the copy but no longer in Postgres was completed (counted as a success) unless it was
 *   permanently failed (then it was removed) or the hosted runner already counted it.
 */
export function applyBuckets(ctx: ApplyContext, buckets: number[], rows: WatchedJobRow[], hashes: Map<number, string>): ApplyResult {
  const { db, connectionId } = ctx;
  const result: ApplyResult = { newAttempts: 0, successes: 0, removed: 0 };
  const selectRange = db.prepare<[string, number, number], StoredJob>(
    'select job_id, task, attempts, max_attempts, locked, has_error, gone from watch_jobs where connection_id = ? and job_id >= ? and job_id < ?',
  );
  const upsert = db.prepare(
    `insert into watch_jobs (connection_id, job_id, task, queue, attempts, max_attempts, locked, has_error)
     values (?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (connection_id, job_id) do update set attempts = excluded.attempts, max_attempts = excluded.max_attempts,
       locked = excluded.locked, has_error = excluded.has_error`,
  );
  const remove = db.prepare('delete from watch_jobs where connection_id = ? and job_id = ?');
  const putHash = db.prepare(
    'insert into watch_buckets (connection_id, bucket, hash) values (?, ?, ?) on conflict (connection_id, bucket) do update set hash = excluded.hash',
  );
  const dropHash = db.prepare('delete from watch_buckets where connection_id = ? and bucket = ?');

  db.transaction(() => {
    const stored = new Map<number, StoredJob>();
    for (const b of buckets) {
      for (const s of selectRange.all(connectionId, b * 2 ** BUCKET_SHIFT, (b + 1) * 2 ** BUCKET_SHIFT)) stored.set(s.job_id, s);
    }
    for (const r of rows) {
      const failed = r.locked ? r.attempts - 1 : r.attempts;
      if (r.lastError !== null && failed >= 1) {
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
      upsert.run(connectionId, r.id, r.task, r.queue, r.attempts, r.maxAttempts, r.locked ? 1 : 0, r.lastError === null ? 0 : 1);
      stored.delete(r.id);
    }
    for (const s of stored.values()) {
      remove.run(connectionId, s.job_id);
      const permanentlyFailed = !s.locked && s.attempts >= s.max_attempts;
      if (s.gone || ctx.finishedByRunner(s.job_id)) continue;
      if (permanentlyFailed) result.removed++;
      else {
        ctx.attempts.recordSuccess(connectionId, s.task, ctx.now);
        result.successes++;
      }
    }
    for (const b of buckets) {
      const hash = hashes.get(b);
      if (hash === undefined) dropHash.run(connectionId, b);
      else putHash.run(connectionId, b, hash);
    }
  })();
  return result;
}

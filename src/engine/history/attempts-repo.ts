import type { Db } from '../store/db.ts';
import { MAX_ERROR_CHARS } from '../../shared/model/history.ts';

/** The watcher's guess of a failure's time (from run_at) is this close to the worker's own account of it. */
export const SAME_FAILURE_MS = 10_000;

/** A failed attempt about to be written. `generation` tells apart runs of a job that was retried by hand. */
export interface AttemptRecord {
  connectionId: string;
  jobId: number;
  /** graphile-worker's `updated_at` in ms: unchanged by takes and failures, bumped by the admin functions. */
  generation: number;
  task: string;
  queue: string | null;
  attempt: number;
  maxAttempts: number | null;
  at: number;
  error: string;
  errorType: string;
  durationMs: number | null;
  poolId: string | null;
  final: boolean;
}

/** Cuts an error text to MAX_ERROR_CHARS, saying how much was cut. */
export function boundError(text: string | null | undefined): string {
  const s = text ?? '';
  if (s.length <= MAX_ERROR_CHARS) return s;
  return `${s.slice(0, MAX_ERROR_CHARS)}… [${s.length - MAX_ERROR_CHARS} more characters cut]`;
}

/** Writes the watcher's failed attempts, successes per minute and run durations. */
export function attemptsRepo(db: Db) {
  // A worker's own account of the same attempt (the runner's, the companion's) may have come first, under another
  // generation when an admin action came between: the watcher's guess then adds nothing.
  const fromWatch = db.prepare(
    `insert into failure_attempts (connection_id, job_id, generation, task, queue, attempt, max_attempts, at, error, error_type,
                                   duration_ms, pool_id, source, final)
     select @connectionId, @jobId, @generation, @task, @queue, @attempt, @maxAttempts, @at, @error, @errorType, @durationMs,
            @poolId, @source, @final
     where not exists (
       select 1 from failure_attempts where connection_id = @connectionId and job_id = @jobId and attempt = @attempt
         and source <> 'watch' and abs(at - @at) < ${SAME_FAILURE_MS})
     on conflict do nothing`,
  );
  const success = db.prepare(
    `insert into success_minutes (connection_id, task, minute, successes) values (?, ?, ?, ?)
     on conflict (connection_id, minute, task) do update set successes = successes + excluded.successes`,
  );
  // A batch's durations in one statement (rows as a JSON array of [at, task, ms, ok]).
  const durations = db.prepare(
    `insert into run_durations (connection_id, at, task, duration_ms, ok)
     select ?, json_extract(d.value, '$[0]'), json_extract(d.value, '$[1]'), json_extract(d.value, '$[2]'), json_extract(d.value, '$[3]')
     from json_each(?) d`,
  );
  const params = (r: AttemptRecord, source: 'watch') => ({
    ...r,
    error: boundError(r.error),
    final: r.final ? 1 : 0,
    source,
  });
  return {
    /** Returns true when a new row was written (false: the attempt was known already). */
    recordFromWatch(r: AttemptRecord): boolean {
      return fromWatch.run(params(r, 'watch')).changes > 0;
    },
    recordSuccess(connectionId: string, task: string, at: number, count = 1): void {
      success.run(connectionId, task, Math.floor(at / 60_000), count);
    },
    recordDurations(connectionId: string, rows: { task: string; at: number; durationMs: number; ok: boolean }[]): void {
      if (rows.length === 0) return;
      durations.run(connectionId, JSON.stringify(rows.map((r) => [r.at, r.task, Math.round(r.durationMs), r.ok ? 1 : 0])));
    },
  };
}
export type AttemptsRepo = ReturnType<typeof attemptsRepo>;

import type { Db } from '../store/db.ts';
import { MAX_ERROR_CHARS } from '../../shared/model/history.ts';

/** The watcher's guess of a failure's time (from run_at) is this close to the worker's own account of it. */
export const SAME_FAILURE_MS = 10_000;

/** A failed attempt the watcher saw, about to be written. `generation` tells apart runs of a job that was retried by hand. */
export interface WatchedFailure {
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
  final: boolean;
}

/** Cuts an error text to MAX_ERROR_CHARS, saying how much was cut. */
export function boundError(text: string | null | undefined): string {
  const s = text ?? '';
  if (s.length <= MAX_ERROR_CHARS) return s;
  // Never between the two halves of a character outside the BMP (an emoji): half of one is not valid UTF-8.
  const cut = MAX_ERROR_CHARS - (/[\uD800-\uDBFF]/.test(s[MAX_ERROR_CHARS - 1]) ? 1 : 0);
  return `${s.slice(0, cut)}… [${s.length - cut} more characters cut]`;
}

/** Writes the watcher's failed attempts, successes per minute and run durations. */
export function attemptsRepo(db: Db) {
  // A worker's own account of the same attempt (the runner's, the companion's) may have come first, under another
  // generation when an admin action came between: the watcher's guess then adds nothing. A transaction's guesses
  // go in one statement (as a JSON array of rows): a first sync has a hundred thousand, and binding each on its
  // own was a sixth of the sync.
  const fromWatch = db.prepare<[{ connectionId: string; rows: string }]>(
    `insert into failure_attempts (connection_id, job_id, generation, task, queue, attempt, max_attempts, at, error, error_type,
                                   duration_ms, pool_id, source, final)
     select @connectionId, r.value ->> 0, r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4, r.value ->> 5, r.value ->> 6,
            r.value ->> 7, r.value ->> 8, null, null, 'watch', r.value ->> 9
     from json_each(@rows) r
     where not exists (
       select 1 from failure_attempts f where f.connection_id = @connectionId and f.job_id = r.value ->> 0 and f.attempt = r.value ->> 4
         and f.source <> 'watch' and abs(f.at - (r.value ->> 6)) < ${SAME_FAILURE_MS})
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
  return {
    /**
     * Writes the watcher's guesses of failed attempts (durations and pools unknown) and returns how many were new
     * (the others were known already).
     */
    recordFromWatch(connectionId: string, records: readonly WatchedFailure[]): number {
      if (records.length === 0) return 0;
      const rows = records.map((r) => [
        r.jobId,
        r.generation,
        r.task,
        r.queue,
        r.attempt,
        r.maxAttempts,
        r.at,
        boundError(r.error),
        r.errorType,
        r.final ? 1 : 0,
      ]);
      return fromWatch.run({ connectionId, rows: JSON.stringify(rows) }).changes;
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

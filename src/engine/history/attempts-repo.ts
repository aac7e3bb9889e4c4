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

/** Rows per statement of the watcher's failed attempts: a batch goes in runs of 100, then of 10, then one by one. */
const WATCH_RUNS = [100, 10, 1];

/** The watcher's guesses of `n` failed attempts (11 values each, in the order of recordFromWatch). */
function fromWatchSql(n: number): string {
  const rows = Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
  return `insert into failure_attempts (connection_id, job_id, generation, task, queue, attempt, max_attempts, at, error, error_type,
                                        duration_ms, pool_id, source, final)
          select v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, v.column8, v.column9, v.column10,
                 null, null, 'watch', v.column11
          from (values ${rows}) v
          where not exists (
            select 1 from failure_attempts f where f.connection_id = v.column1 and f.job_id = v.column2 and f.attempt = v.column6
              and f.source <> 'watch' and abs(f.at - v.column8) < ${SAME_FAILURE_MS})
          on conflict do nothing`;
}

/** Writes the watcher's failed attempts and successes per minute. */
export function attemptsRepo(db: Db) {
  // A worker's own account of the same attempt (the runner's, the companion's) may have come first, under another
  // generation when an admin action came between: the watcher's guess then adds nothing. A transaction's guesses
  // go in a few multi-row statements (runs of WATCH_RUNS rows): a first sync has a hundred thousand, and binding
  // each on its own was a sixth of the sync (a JSON array read by json_each, a third slower than bound values).
  const fromWatch = new Map(WATCH_RUNS.map((n) => [n, db.prepare(fromWatchSql(n))]));
  const success = db.prepare(
    `insert into success_minutes (connection_id, task, minute, successes) values (?, ?, ?, ?)
     on conflict (connection_id, minute, task) do update set successes = successes + excluded.successes`,
  );
  return {
    /**
     * Writes the watcher's guesses of failed attempts (durations and pools unknown) and returns how many were new
     * (the others were known already).
     */
    recordFromWatch(connectionId: string, records: readonly WatchedFailure[]): number {
      let written = 0;
      let at = 0;
      for (const n of WATCH_RUNS) {
        const statement = fromWatch.get(n)!;
        for (; records.length - at >= n; at += n) {
          const values: unknown[] = [];
          for (let i = at; i < at + n; i++) {
            const r = records[i];
            values.push(connectionId, r.jobId, r.generation, r.task, r.queue, r.attempt, r.maxAttempts, r.at);
            values.push(boundError(r.error), r.errorType, r.final ? 1 : 0);
          }
          written += statement.run(values).changes;
        }
      }
      return written;
    },
    recordSuccess(connectionId: string, task: string, at: number, count = 1): void {
      success.run(connectionId, task, Math.floor(at / 60_000), count);
    },
  };
}
export type AttemptsRepo = ReturnType<typeof attemptsRepo>;

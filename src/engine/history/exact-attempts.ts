import { writeTransaction, type Db } from '../store/db.ts';
import { boundError, SAME_FAILURE_MS, type AttemptsRepo } from './attempts-repo.ts';
import { durationBucket, ROLLUP_UPSERT, SPANS } from './duration-buckets.ts';
import { copyMarker } from './watch-copy.ts';
import { groupBy } from './group-by.ts';

export type AttemptOutcome = 'success' | 'failure' | 'cancelled';

/** An attempt as the worker that ran it reported it: the hosted runner's events, or the companion's row. */
export interface ExactAttempt {
  connectionId: string;
  jobId: number;
  task: string;
  queue: string | null;
  attempt: number;
  maxAttempts: number;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  outcome: AttemptOutcome;
  /** The error of a failed or cancelled attempt (bounded when written). */
  error: string | null;
  poolId: string;
  source: 'runner' | 'companion';
  /** jobdeck.attempts.id of a companion row. */
  sourceId: number | null;
  /** failure_attempts' generation (see attempts-repo): exact from the runner, looked up for the companion. */
  generation: number;
  /** The LLM usage the attempt reported (checked by the reader); null or absent: none. */
  usage?: ReportedUsage | null;
  /** The model's raw output the companion kept for this attempt (bounded); null or absent: none. */
  rawOutput?: string | null;
}

/** An attempt's LLM usage as its worker reported it (OpenTelemetry GenAI names in jobdeck.attempts). */
export interface ReportedUsage {
  model: string | null;
  provider: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  reasoningTokens: number | null;
  /** As the task gave it; null: priced from the price table when read. */
  costUsd: number | null;
  timeToFirstTokenMs: number | null;
}

/** An attempt just recorded, with the error type its failure was given: what the usage rollups are made of. */
export interface RecordedAttempt {
  attempt: ExactAttempt;
  errorType: string | null;
}

/** job_attempts' columns in the order writeAttempt binds them. */
const INSERT_COLUMNS = [
  'connection_id',
  'job_id',
  'task',
  'queue',
  'attempt',
  'max_attempts',
  'started_at',
  'finished_at',
  'duration_ms',
  'outcome',
  'pool_id',
  'source',
  'source_id',
  'model',
  'provider',
  'input_tokens',
  'output_tokens',
  'cached_input_tokens',
  'reasoning_tokens',
  'cost_usd',
  'ttft_ms',
  'raw_output',
  'error',
] as const;

/** Two accounts of one attempt by different sources (the runner, the companion in the same process) start this close. */
const SAME_START_MS = 2_000;

/** An attempt's account already kept (job_attempts' identity, and who gave it). */
interface KeptAccount {
  jobId: number;
  attempt: number;
  poolId: string;
  startedAt: number;
  source: string;
}

/** The same attempt: the same start, or (reported by another source, with its own clock reading) nearly. */
const sameAttempt = (k: KeptAccount, a: ExactAttempt, startedAt: number): boolean =>
  k.attempt === a.attempt &&
  k.poolId === a.poolId &&
  (k.startedAt === startedAt || (k.source !== a.source && Math.abs(k.startedAt - startedAt) < SAME_START_MS));

/**
 * Writes exact attempts once each, whoever reports them: the attempt itself (job_attempts), then what it adds
 * to the history only when it is new: a success per minute, a failed attempt (taking over the watcher's guess of
 * the same attempt), a run duration. A job that ended this way is marked for the watcher, which then infers
 * nothing about it. Call inside a transaction (a batch of them).
 */
export function exactAttemptsRepo(db: Db, attempts: AttemptsRepo, classify: (message: string) => string) {
  // The accounts already kept of a batch's jobs, in one statement (job ids as a JSON array): a lookup per attempt
  // was a fifth of a read's writes. The insert then keeps out the same account twice within the batch.
  const keptOf = db.prepare<[string, string], KeptAccount>(
    `select job_id as jobId, attempt, pool_id as poolId, started_at as startedAt, source
     from job_attempts where connection_id = ? and job_id in (select value from json_each(?))`,
  );
  // Binds by position: 23 named parameters cost more to bind than the insert takes to run (a page of the reader is
  // thousands of them). The order is INSERT_COLUMNS'.
  const insert = db.prepare(
    `insert into job_attempts (${INSERT_COLUMNS.join(', ')}) values (${INSERT_COLUMNS.map(() => '?').join(', ')}) on conflict do nothing`,
  );
  const watchGuess = db.prepare<{ connectionId: string; jobId: number; attempt: number; at: number }, { id: number }>(
    `select id from failure_attempts
     where connection_id = @connectionId and job_id = @jobId and attempt = @attempt and source = 'watch'
       and abs(at - @at) < ${SAME_FAILURE_MS}
     order by abs(at - @at) limit 1`,
  );
  const takeOver = db.prepare(
    `update failure_attempts set at = @at, error = @error, error_type = @errorType, duration_ms = @durationMs,
       pool_id = @poolId, source = @source, final = @final, queue = coalesce(queue, @queue), max_attempts = @maxAttempts
     where id = @id`,
  );
  // Same job, generation and attempt: the watcher's guess is replaced; another exact account is left as it is.
  const insertFailure = db.prepare(
    `insert into failure_attempts (connection_id, job_id, generation, task, queue, attempt, max_attempts, at, error, error_type,
                                   duration_ms, pool_id, source, final)
     values (@connectionId, @jobId, @generation, @task, @queue, @attempt, @maxAttempts, @at, @error, @errorType,
             @durationMs, @poolId, @source, @final)
     on conflict (connection_id, job_id, generation, attempt) do update set
       at = excluded.at, error = excluded.error, error_type = excluded.error_type, duration_ms = excluded.duration_ms,
       pool_id = excluded.pool_id, source = excluded.source, final = excluded.final
     where failure_attempts.source = 'watch'`,
  );
  const markGone = copyMarker(db);
  // A batch's successes looked up and claimed at once (job ids as a JSON array): a statement per row was most of a
  // read's cost.
  const vanishedMany = db.prepare<[string, string], { job_id: number; settled: string | null }>(
    'select job_id, settled from watch_vanished where connection_id = ? and job_id in (select value from json_each(?))',
  );
  const claimMany = db.prepare('delete from watch_vanished where connection_id = ? and job_id in (select value from json_each(?))');
  const vanished = db.prepare<[string, number], { settled: string | null; settled_at: number | null }>(
    'select settled, settled_at from watch_vanished where connection_id = ? and job_id = ?',
  );
  const claim = db.prepare('delete from watch_vanished where connection_id = ? and job_id = ?');
  const addDurations = db.prepare(
    `insert into duration_rollups (connection_id, span, slot, task, bucket, runs, total_ms, min_ms, max_ms)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?) ${ROLLUP_UPSERT}`,
  );
  const uncount = db.prepare(
    'update success_minutes set successes = successes - 1 where connection_id = ? and task = ? and minute = ? and successes > 0',
  );

  /**
   * The job left graphile-worker's table: the watcher must not infer its end. When the watcher already did (its
   * account waited and settled before this one came), returns what it counted.
   */
  const ended = (a: ExactAttempt): 'success' | 'removed' | null => {
    markGone(a.connectionId, [a.jobId]);
    const v = vanished.get(a.connectionId, a.jobId);
    if (!v) return null;
    claim.run(a.connectionId, a.jobId);
    if (v.settled === 'success' && a.outcome === 'cancelled' && v.settled_at !== null)
      uncount.run(a.connectionId, a.task, Math.floor(v.settled_at / 60_000));
    return v.settled === 'success' || v.settled === 'removed' ? v.settled : null;
  };

  /** Writes the failure and returns the error type it was given. */
  const writeFailure = (a: ExactAttempt): string => {
    const error = boundError(a.error ?? '(no error message recorded)');
    const row = {
      connectionId: a.connectionId,
      jobId: a.jobId,
      generation: a.generation,
      task: a.task,
      queue: a.queue,
      attempt: a.attempt,
      maxAttempts: a.maxAttempts,
      at: a.finishedAt,
      error,
      errorType: classify(error),
      durationMs: Math.round(a.durationMs),
      poolId: a.poolId,
      source: a.source,
      final: a.attempt >= a.maxAttempts ? 1 : 0,
    };
    const guess = watchGuess.get({ connectionId: a.connectionId, jobId: a.jobId, attempt: a.attempt, at: a.finishedAt });
    if (guess) takeOver.run({ ...row, id: guess.id });
    else insertFailure.run(row);
    return row.errorType;
  };

  /** Per connection and job, the accounts of a batch's jobs kept before it. */
  const keptAccounts = (list: ExactAttempt[]): Map<string, Map<number, KeptAccount[]>> => {
    const out = new Map<string, Map<number, KeptAccount[]>>();
    for (const [connectionId, attempts] of groupBy(list, (a) => a.connectionId)) {
      const ids = JSON.stringify([...new Set(attempts.map((a) => a.jobId))]);
      out.set(
        connectionId,
        groupBy(keptOf.all(connectionId, ids), (k) => k.jobId),
      );
    }
    return out;
  };

  /**
   * Writes one attempt's own row and, for a failure, what it adds to the history; null when it was known already.
   * A success's additions wait for its batch (finishBatch). A cancel is not a failed attempt (the operator ended
   * it; nothing is retried): it stays out of failure_attempts and so out of every failure count, rate and alert,
   * with its reason kept on its own row for the job page.
   */
  const writeAttempt = (a: ExactAttempt, kept: KeptAccount[] | undefined): RecordedAttempt | null => {
    const u = a.usage;
    const startedAt = Math.round(a.startedAt);
    if (kept?.some((k) => sameAttempt(k, a, startedAt))) return null;
    const { changes } = insert.run(
      a.connectionId,
      a.jobId,
      a.task,
      a.queue,
      a.attempt,
      a.maxAttempts,
      startedAt,
      Math.round(a.finishedAt),
      a.durationMs,
      a.outcome,
      a.poolId,
      a.source,
      a.sourceId,
      u?.model ?? null,
      u?.provider ?? null,
      u?.inputTokens ?? null,
      u?.outputTokens ?? null,
      u?.cachedInputTokens ?? null,
      u?.reasoningTokens ?? null,
      u?.costUsd ?? null,
      u?.timeToFirstTokenMs ?? null,
      a.rawOutput ?? null,
      a.outcome === 'cancelled' ? boundError(a.error ?? 'Cancelled (no reason recorded)') : null,
    );
    if (changes === 0) return null;
    if (a.outcome === 'failure') return { attempt: a, errorType: writeFailure(a) };
    if (a.outcome === 'cancelled') ended(a);
    return { attempt: a, errorType: null };
  };
  /**
   * A failure or a cancel writes more than its own row: all of it or none, in a savepoint (better-sqlite3 nests a
   * transaction so; outside one it begins its own). A refused failure would otherwise leave its row behind, and a
   * second read would take the attempt as known and never write the rest. A success is one statement (its additions
   * wait for finishBatch), and pays for no savepoint.
   */
  const writeWhole = writeTransaction(db, writeAttempt);
  const writeOne = (a: ExactAttempt, kept: KeptAccount[] | undefined): RecordedAttempt | null =>
    a.outcome === 'success' ? writeAttempt(a, kept) : writeWhole(a, kept);

  /**
   * What a batch's new attempts add besides their own rows, in a few statements: the jobs that ended by a success
   * are marked for the watcher (an end it already counted is claimed, not counted twice) and successes are counted
   * per task and minute, and every run's duration goes into its task's histograms (duration_rollups).
   */
  const finishBatch = (connectionId: string, recorded: RecordedAttempt[]): void => {
    const successes = recorded.filter((r) => r.attempt.outcome === 'success');
    if (successes.length > 0) {
      const jobIds = successes.map((r) => r.attempt.jobId);
      markGone(connectionId, jobIds);
      const ids = JSON.stringify(jobIds);
      const settled = new Map(vanishedMany.all(connectionId, ids).map((v) => [v.job_id, v.settled]));
      if (settled.size > 0) claimMany.run(connectionId, JSON.stringify([...settled.keys()]));
      const perMinute = new Map<string, { task: string; minute: number; n: number }>();
      for (const { attempt: a } of successes) {
        if (settled.get(a.jobId) === 'success') continue;
        const minute = Math.floor(a.finishedAt / 60_000);
        const key = `${a.task}\u0000${minute}`;
        const group = perMinute.get(key);
        if (group) group.n++;
        else perMinute.set(key, { task: a.task, minute, n: 1 });
      }
      for (const g of perMinute.values()) attempts.recordSuccess(connectionId, g.task, g.minute * 60_000, g.n);
    }
    // Durations per task, minute and bucket (duration-buckets.ts), successes and failures: a cancelled run was cut short.
    const runs = recorded
      .filter((r) => r.attempt.outcome !== 'cancelled')
      .map(({ attempt: a }) => ({
        task: a.task,
        minute: Math.floor(Math.round(a.finishedAt) / 60_000),
        bucket: durationBucket(a.durationMs),
        ms: a.durationMs,
      }));
    for (const group of groupBy(runs, (r) => `${r.task}\u0000${r.minute}\u0000${r.bucket}`).values()) {
      const { task, minute, bucket } = group[0];
      const ms = group.map((r) => r.ms);
      const [total, min, max] = [ms.reduce((t, m) => t + m, 0), Math.min(...ms), Math.max(...ms)];
      // Once per slot width: a minute's runs are in one slot of each.
      for (const span of SPANS) addDurations.run(connectionId, span, Math.floor(minute / span), task, bucket, ms.length, total, min, max);
    }
  };

  /**
   * Records a batch of attempts (call inside a transaction). Each is written once, whoever reported it: `recorded`
   * holds the new ones with the error type their failure was given (for the usage rollups of the same batch); an
   * attempt SQLite refused is in `errors` (what it wrote undone), and holds back none of the others.
   */
  const recordMany = (list: ExactAttempt[]): { recorded: RecordedAttempt[]; errors: { attempt: ExactAttempt; error: unknown }[] } => {
    const recorded: RecordedAttempt[] = [];
    const errors: { attempt: ExactAttempt; error: unknown }[] = [];
    const kept = keptAccounts(list);
    for (const a of list) {
      try {
        const r = writeOne(a, kept.get(a.connectionId)?.get(a.jobId));
        if (r) recorded.push(r);
      } catch (error) {
        errors.push({ attempt: a, error });
      }
    }
    for (const [connectionId, group] of groupBy(recorded, (r) => r.attempt.connectionId)) finishBatch(connectionId, group);
    return { recorded, errors };
  };

  return {
    recordMany,
    /** Records one attempt; false when it was known already (read twice, or reported by both sources). */
    record: (a: ExactAttempt): boolean => {
      const { recorded, errors } = recordMany([a]);
      if (errors.length > 0) throw errors[0].error;
      return recorded.length > 0;
    },
  };
}

export type ExactAttemptsRepo = ReturnType<typeof exactAttemptsRepo>;

import type { JobAttempt, JobOutcome, JobWorker } from '../../shared/model/jobs.ts';
import { writeTransaction, type Db } from '../store/db.ts';
import type { RemovedJob } from '../jobs/admin-sql.ts';
import type { AttemptUsage } from '../../shared/model/usage.ts';
import type { ReportedUsage } from './exact-attempts.ts';
import type { SeenFailure } from '../../shared/errors/index.ts';

/** Usage columns of job_attempts, read under the names of the usage the worker reported, and its raw output. */
type UsageColumns = ReportedUsage & { rawOutput: string | null };

/** Characters of an attempt's error sent to the detail view. */
const ATTEMPT_ERROR_CHARS = 4_000;

/** A job as Jobdeck last saw it, once it has left the database. */
export interface JobSnapshotRow {
  job_id: number;
  task: string;
  queue: string | null;
  state: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  run_at: number | null;
  locked_by: string | null;
  created_at: number | null;
  seen_at: number;
  cancelled_by: string | null;
  cancelled_at: number | null;
  /** The payload as JSON text (cut at KEPT_PAYLOAD_CHARS) of a job the operator cancelled; null: not kept. */
  payload: string | null;
  payload_length: number | null;
  /** How it ended, by the account of the worker that ran its last attempt (null: not known). */
  outcome: JobOutcome | null;
  duration_ms: number | null;
  worker: JobWorker | null;
}

interface ExactRow {
  task: string;
  queue: string | null;
  attempt: number;
  max_attempts: number;
  finished_at: number;
  duration_ms: number;
  outcome: 'success' | 'failure' | 'cancelled';
  pool_id: string;
  source: 'runner' | 'companion';
  host: string | null;
  /** The reason of a cancelled attempt (a failure's error is in failure_attempts). */
  error: string | null;
}

const OUTCOMES: Record<ExactRow['outcome'], JobOutcome> = { success: 'succeeded', failure: 'failed', cancelled: 'cancelled' };

/** What the job explorer asks of the history about one job (`job_snapshots`, `job_attempts`, `failure_attempts`). */
export function jobRecords(db: Db, priceUsage?: (usage: ReportedUsage, at: number) => AttemptUsage) {
  const snapshot = db.prepare('select * from job_snapshots where connection_id = ? and job_id = ?');
  // Every attempt a worker reported (with the error of a failed one, the reason of a cancelled one), then the
  // failures only the watcher saw.
  const attempts = db.prepare<
    { c: string; j: number },
    Omit<JobAttempt, 'at' | 'outcome' | 'usage' | 'rawOutput'> & { at: number; outcome: ExactRow['outcome'] } & UsageColumns
  >(
    `select * from (
       select a.attempt, a.finished_at as at, a.outcome, coalesce(f.error, a.error) as error, a.duration_ms as durationMs, a.pool_id as poolId,
              p.host, a.source, a.model, a.provider, a.input_tokens as inputTokens, a.output_tokens as outputTokens,
              a.cached_input_tokens as cachedInputTokens, a.reasoning_tokens as reasoningTokens, a.cost_usd as costUsd,
              a.ttft_ms as timeToFirstTokenMs, a.raw_output as rawOutput
       from job_attempts a
       left join failure_attempts f on f.connection_id = a.connection_id and f.job_id = a.job_id and f.attempt = a.attempt
         and f.at = a.finished_at and f.source = a.source
       left join companion_pools p on p.connection_id = a.connection_id and p.pool_id = a.pool_id
       where a.connection_id = @c and a.job_id = @j
       union all
       select f.attempt, f.at, 'failure', f.error, f.duration_ms, f.pool_id, p.host, f.source,
              null, null, null, null, null, null, null, null, null
       from failure_attempts f
       left join companion_pools p on p.connection_id = f.connection_id and p.pool_id = f.pool_id
       where f.connection_id = @c and f.job_id = @j and not exists (
         select 1 from job_attempts a where a.connection_id = f.connection_id and a.job_id = f.job_id
           and a.attempt = f.attempt and a.finished_at = f.at and a.source = f.source))
     order by at, attempt limit 500`,
  );
  const lastExact = db.prepare<[string, number], ExactRow>(
    `select a.task, a.queue, a.attempt, a.max_attempts, a.finished_at, a.duration_ms, a.outcome, a.pool_id, a.source, p.host,
            a.error
     from job_attempts a left join companion_pools p on p.connection_id = a.connection_id and p.pool_id = a.pool_id
     where a.connection_id = ? and a.job_id = ? order by a.finished_at desc, a.id desc limit 1`,
  );
  const lastFailed = db.prepare<
    [string, number],
    { task: string; queue: string | null; attempt: number; max_attempts: number | null; at: number; error: string }
  >(
    `select task, queue, attempt, max_attempts, at, error from failure_attempts
     where connection_id = ? and job_id = ? order by at desc, id desc limit 1`,
  );

  // The failed attempts of many jobs at once, for their retry verdicts (the index of migration 010 serves it).
  const failures = db.prepare<{ c: string; ids: string }, { job_id: number; error: string; error_type: string }>(
    `select job_id, error, error_type from failure_attempts
     where connection_id = @c and job_id in (select value from json_each(@ids)) order by job_id, at, id`,
  );

  /** A job whose last attempt a worker reported: how it ended, with its duration and worker. */
  const fromExact = (jobId: number, a: ExactRow, lastError: string | null): JobSnapshotRow => {
    const outcome = a.outcome === 'failure' && a.attempt < a.max_attempts ? null : OUTCOMES[a.outcome];
    return {
      job_id: jobId,
      task: a.task,
      queue: a.queue,
      // A failure with attempts left, then gone: retried and completed by a worker that does not report, or removed.
      state: outcome ?? 'completed or removed',
      attempts: a.attempt,
      max_attempts: a.max_attempts,
      last_error: lastError,
      run_at: null,
      locked_by: null,
      created_at: null,
      seen_at: a.finished_at,
      cancelled_by: null,
      cancelled_at: null,
      payload: null,
      payload_length: null,
      outcome,
      duration_ms: a.duration_ms,
      worker: { poolId: a.pool_id, host: a.host, source: a.source },
    };
  };

  return {
    recordCancelled: (connectionId: string, jobs: RemovedJob[], actor: string, at?: number) =>
      recordCancelled(db, connectionId, jobs, actor, at),

    /** The failed attempts Jobdeck saw of each job (any generation), oldest first: what its retry verdict weighs. */
    failuresOf: (connectionId: string, jobIds: readonly string[]): Map<string, SeenFailure[]> => {
      const out = new Map<string, SeenFailure[]>();
      if (jobIds.length === 0) return out;
      for (const r of failures.all({ c: connectionId, ids: JSON.stringify(jobIds.map(Number)) })) {
        const key = String(r.job_id);
        let list = out.get(key);
        if (!list) out.set(key, (list = []));
        list.push({ error: r.error, type: r.error_type });
      }
      return out;
    },

    /** The attempts of one job that Jobdeck has recorded, oldest first. */
    attemptsOf: (connectionId: string, jobId: string): JobAttempt[] =>
      attempts.all({ c: connectionId, j: Number(jobId) }).map((r) => ({
        attempt: r.attempt,
        at: new Date(r.at).toISOString(),
        outcome: OUTCOMES[r.outcome],
        error: r.error === null ? null : r.error.slice(0, ATTEMPT_ERROR_CHARS),
        durationMs: r.durationMs === null ? null : Math.round(r.durationMs),
        poolId: r.poolId,
        host: r.host,
        source: r.source,
        usage: usageOf(r, r.at, priceUsage),
        rawOutput: r.rawOutput,
      })),

    /**
     * A job that has left the database: its snapshot (the operator cancelled it: nothing ran after), else by the
     * account of the worker that ran its last attempt (the hosted runner, the companion), else its last failed
     * attempt shaped as one (the watcher's).
     */
    lastKnown: (connectionId: string, jobId: string): JobSnapshotRow | undefined => {
      const id = Number(jobId);
      const s = snapshot.get(connectionId, id) as Omit<JobSnapshotRow, 'outcome' | 'duration_ms' | 'worker'> | undefined;
      const exact = lastExact.get(connectionId, id);
      const failed = lastFailed.get(connectionId, id);
      if (s) {
        const cancelledAttempt = exact?.outcome === 'cancelled' ? fromExact(id, exact, null) : null;
        return {
          ...s,
          outcome: s.state === 'cancelled' ? 'cancelled' : null,
          duration_ms: cancelledAttempt?.duration_ms ?? null,
          worker: cancelledAttempt?.worker ?? null,
        };
      }
      if (exact) return fromExact(id, exact, exact.outcome === 'cancelled' ? exact.error : (failed?.error ?? null));
      if (!failed) return undefined;
      return {
        job_id: id,
        task: failed.task,
        queue: failed.queue,
        state: 'completed or removed',
        attempts: failed.attempt,
        max_attempts: failed.max_attempts ?? failed.attempt,
        last_error: failed.error,
        run_at: failed.at,
        locked_by: null,
        created_at: null,
        seen_at: failed.at,
        cancelled_by: null,
        cancelled_at: null,
        payload: null,
        payload_length: null,
        outcome: null,
        duration_ms: null,
        worker: null,
      };
    },
  };
}

export type JobRecords = ReturnType<typeof jobRecords>;

/** An attempt's usage, priced when a pricer is given; null when the attempt reported none. */
function usageOf(r: UsageColumns, at: number, priceUsage?: (usage: ReportedUsage, at: number) => AttemptUsage): AttemptUsage | null {
  const usage: ReportedUsage = {
    model: r.model,
    provider: r.provider,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cachedInputTokens: r.cachedInputTokens,
    reasoningTokens: r.reasoningTokens,
    costUsd: r.costUsd,
    timeToFirstTokenMs: r.timeToFirstTokenMs,
  };
  if (Object.values(usage).every((v) => v === null)) return null;
  if (priceUsage) return priceUsage(usage, at);
  return { ...usage, costSource: usage.costUsd === null ? 'no_price' : 'task' };
}

/**
 * Keeps a cancelled job in Jobdeck's history: graphile-worker deletes it, so its last state goes into
 * `job_snapshots` as 'cancelled', with who cancelled it and when, and its payload (bounded).
 */
function recordCancelled(db: Db, connectionId: string, jobs: RemovedJob[], actor: string, at = Date.now()): void {
  if (jobs.length === 0) return;
  const upsert = db.prepare(
    `insert into job_snapshots (connection_id, job_id, task, queue, state, attempts, max_attempts, last_error, run_at,
                                locked_by, created_at, seen_at, cancelled_by, cancelled_at, payload, payload_length)
     values (@connectionId, @jobId, @task, @queue, 'cancelled', @attempts, @maxAttempts, @lastError, @runAt,
             null, @createdAt, @at, @actor, @at, @payload, @payloadLength)
     on conflict (connection_id, job_id) do update set
       task = excluded.task, queue = excluded.queue, state = 'cancelled', attempts = excluded.attempts,
       max_attempts = excluded.max_attempts, last_error = excluded.last_error, run_at = excluded.run_at,
       locked_by = null, seen_at = excluded.seen_at, cancelled_by = excluded.cancelled_by,
       cancelled_at = excluded.cancelled_at, payload = excluded.payload, payload_length = excluded.payload_length`,
  );
  writeTransaction(db, () => {
    for (const job of jobs) {
      upsert.run({
        connectionId,
        jobId: Number(job.id),
        task: job.task,
        queue: job.queue,
        attempts: job.attempts,
        maxAttempts: job.maxAttempts,
        lastError: job.lastError,
        runAt: job.runAt.getTime(),
        createdAt: job.createdAt.getTime(),
        at,
        actor,
        payload: job.payload,
        payloadLength: job.payloadLength,
      });
    }
  })();
}

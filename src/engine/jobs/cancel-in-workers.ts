import type pg from 'pg';
import { OpError } from '../../shared/contract/index.ts';
import type { JobRecords } from '../history/job-records.ts';
import { completeJobs, toRemovedJob, type RemovedJobRow } from './admin-sql.ts';
import { grantAdvice, silentSeconds, type CompanionAccess } from './companion-access.ts';
import { JOB_STATE_WHERE } from '../pg/job-state-sql.ts';
import { SKIP } from './skip-reasons.ts';

/** How long a cancel waits for the worker running the job to acknowledge and end it. */
export const CANCEL_ACK_WAIT_MS = 10_000;
const POLL_MS = 200;
const REASON = 'cancelled from the Jobdeck console';

/** A running job held by a pool that reports through the companion. */
export interface WorkerJob extends RemovedJobRow {
  /** The pool (jobdeck.workers.pool_id) holding it. */
  poolId: string;
}

export interface WorkerCancelContext {
  pool: pg.Pool;
  records: JobRecords;
  connectionId: string;
  actor: string;
  access: CompanionAccess;
  waitMs?: number;
  /** A job that failed for good before its worker saw the request is kept, not removed (jobs.cancel keepFailed). */
  keepFailed?: boolean;
}

interface Outcome {
  affected: string[];
  skipped: { id: string; reason: string }[];
}

interface RequestState {
  request_id: string;
  job_id: string;
  acknowledged: boolean;
  acknowledged_by: string | null;
  outcome: 'cancelled' | 'completed' | 'failed' | 'not_honoured' | 'not_running' | null;
  /** The job is still in graphile-worker's table. */
  present: boolean;
  /** ... and locked (by any pool, less than 4 h ago). */
  locked: boolean;
  /** ... and permanently failed, as every count says it (JOB_STATE_WHERE). */
  failed_for_good: boolean;
}

/**
 * Cancels running jobs of reporting workers through the companion's protocol (docs/companion.md): one
 * `jobdeck.cancel_requests` row per job and a NOTIFY `jobdeck:cancel` with its id, in one transaction; the
 * worker running it aborts the job's own signal and the job ends as cancelled (graphile-worker sees a success,
 * so it is neither retried nor counted as a failed attempt). Waits up to `waitMs` for each answer and says what
 * happened. A request nobody acknowledged stays: its worker honours it at its next heartbeat if it comes back.
 */
export async function cancelInWorkers(ctx: WorkerCancelContext, jobs: WorkerJob[]): Promise<Outcome> {
  const out: Outcome = { affected: [], skipped: [] };
  if (jobs.length === 0) return out;
  const waitMs = ctx.waitMs ?? CANCEL_ACK_WAIT_MS;
  const byJob = new Map(jobs.map((j) => [j.id, j]));
  const requests = await insertRequests(
    ctx,
    jobs.map((j) => j.id),
  );
  const pending = new Map(requests);
  const cancelled: WorkerJob[] = [];
  const settle = (jobId: string, result: { affected: true } | { reason: string }) => {
    pending.delete(jobId);
    if ('affected' in result) {
      out.affected.push(jobId);
      cancelled.push(byJob.get(jobId)!);
    } else out.skipped.push({ id: jobId, reason: result.reason });
  };

  const deadline = Date.now() + waitMs;
  let last: Map<string, RequestState>;
  for (;;) {
    const states = await readStates(ctx.pool, [...pending.values()]);
    last = new Map(states.map((s) => [s.job_id, s]));
    const released: string[] = [];
    for (const s of states) {
      const by = s.acknowledged_by ?? byJob.get(s.job_id)!.poolId;
      // Cancelled: reported once graphile-worker's own (batched) completion has taken the job out of the queue.
      if (s.outcome === 'cancelled') {
        if (!s.present) settle(s.job_id, { affected: true });
      } else if (s.outcome === 'completed') settle(s.job_id, { reason: SKIP.completedFirst });
      else if (s.outcome === 'failed') settle(s.job_id, { reason: SKIP.failedFirst });
      else if (s.outcome === 'not_honoured') settle(s.job_id, { reason: SKIP.notHonoured(by) });
      else if (s.outcome === 'not_running' || (!s.acknowledged && !s.present)) settle(s.job_id, { reason: SKIP.endedFirst });
      // It ended (failed) before its worker saw the request: cancel it as the idle job it now is, unless it failed for
      // good and the operator only meant to stop it.
      else if (!s.acknowledged && !s.locked) {
        if (ctx.keepFailed && s.failed_for_good) settle(s.job_id, { reason: SKIP.failedForGood });
        else released.push(s.job_id);
      }
    }
    if (released.length) {
      const removed = await completeJobs(ctx.pool, released);
      for (const r of removed) settle(r.id, { affected: true });
      // Those not removed were taken again in between: their new worker sees the pending request.
    }
    if (pending.size === 0 || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
  }

  if (pending.size) {
    const silent = await silentSeconds(ctx.pool, [...new Set([...pending.keys()].map((id) => byJob.get(id)!.poolId))]);
    for (const jobId of [...pending.keys()]) {
      const state = last.get(jobId);
      const poolId = byJob.get(jobId)!.poolId;
      if (state?.outcome === 'cancelled') settle(jobId, { affected: true });
      else if (state?.acknowledged) settle(jobId, { reason: SKIP.stopping(state.acknowledged_by ?? poolId) });
      else settle(jobId, { reason: SKIP.notAcknowledged(poolId, waitMs, silent.get(poolId)) });
    }
  }
  ctx.records.recordCancelled(ctx.connectionId, cancelled.map(toRemovedJob), ctx.actor);
  return out;
}

/** One row and one notification per job, committed together: job id -> request id. */
async function insertRequests(ctx: WorkerCancelContext, jobIds: string[]): Promise<Map<string, string>> {
  const client = await ctx.pool.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query<{ id: string; job_id: string }>(
      `insert into jobdeck.cancel_requests (job_id, requested_by, reason)
       select j, $2, $3 from unnest($1::bigint[]) j
       returning id::text as id, job_id::text as job_id`,
      [jobIds, ctx.actor, REASON],
    );
    // The payload is the job id: only the pool running that job queries the request.
    await client.query(`select pg_notify('jobdeck:cancel', j::text) from unnest($1::bigint[]) j`, [jobIds]);
    await client.query('commit');
    return new Map(rows.map((r) => [r.job_id, r.id]));
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw requestError(error, ctx.access);
  } finally {
    client.release();
  }
}

/** Privileges or a schema that changed since they were checked: a clear refusal rather than a database error. */
function requestError(error: unknown, access: CompanionAccess): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === '42501') return new OpError('read_only', `Cannot cancel the running job: ${grantAdvice({ ...access, canRequest: false })}`);
  if (code === '42P01' || code === '3F000') {
    return new OpError(
      'schema_missing',
      "Cannot cancel the running job: the companion's jobdeck schema is missing from this database (a worker with jobdeck/worker creates it; see docs/companion-schema.sql)",
    );
  }
  return error;
}

async function readStates(pool: pg.Pool, requestIds: string[]): Promise<RequestState[]> {
  const { rows } = await pool.query<RequestState>(
    `select r.id::text as request_id, r.job_id::text as job_id, r.acknowledged_at is not null as acknowledged,
            r.acknowledged_by, r.outcome, j.id is not null as present,
            coalesce(j.locked_at is not null and j.locked_at >= now() - interval '4 hours', false) as locked,
            coalesce(${JOB_STATE_WHERE.failed}, false) as failed_for_good
     from jobdeck.cancel_requests r
     left join graphile_worker._private_jobs j on j.id = r.job_id
     where r.id = any($1::bigint[])`,
    [requestIds],
  );
  return rows;
}

import type pg from 'pg';
import type { Session } from '../session.ts';
import type { StuckThresholds, UnlockReport } from '../../shared/model/stuck.ts';
import type { AuditLog } from '../context.ts';
import { locksByPool } from './queries.ts';
import { judgePools, type PoolKnowledge } from './pools.ts';

/** What the operator's unlock needs: how to judge pools, the thresholds, and the audit log. */
export interface UnlockContext {
  pools: PoolKnowledge;
  thresholds: (connectionId: string) => StuckThresholds;
  audit: AuditLog;
}

export interface ForceUnlockResult {
  jobsUnlocked: number;
  queuesUnlocked: number;
  jobsRequeued: number;
  jobsExhausted: number;
  jobIds: string[];
  /** Pools that actually held something. */
  poolsWithLocks: string[];
}

const MAX_IDS = 1000;

/**
 * graphile-worker's `force_unlock_workers` for these pools, in one transaction that first locks and reads what
 * they hold: the function returns nothing, and this is how the report knows what it touched. A job whose
 * attempts the crashed try used up stays permanently failed after the unlock (attempts are not given back).
 */
export async function forceUnlock(pool: pg.Pool, poolIds: string[]): Promise<ForceUnlockResult> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const jobs = await client.query<{ id: string; locked_by: string; exhausted: boolean }>(
      `select id::text as id, locked_by, attempts >= max_attempts as exhausted
       from graphile_worker._private_jobs where locked_by = any($1::text[]) order by id for update`,
      [poolIds],
    );
    const queues = await client.query<{ locked_by: string }>(
      `select locked_by from graphile_worker._private_job_queues where locked_by = any($1::text[]) for update`,
      [poolIds],
    );
    await client.query('select graphile_worker.force_unlock_workers($1::text[])', [poolIds]);
    await client.query('commit');
    const exhausted = jobs.rows.filter((r) => r.exhausted).length;
    return {
      jobsUnlocked: jobs.rowCount ?? 0,
      queuesUnlocked: queues.rowCount ?? 0,
      jobsRequeued: jobs.rows.length - exhausted,
      jobsExhausted: exhausted,
      jobIds: jobs.rows.slice(0, MAX_IDS).map((r) => r.id),
      poolsWithLocks: [...new Set([...jobs.rows, ...queues.rows].map((r) => r.locked_by))].sort(),
    };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * The operator's unlock: pools that are alive are refused (unlocking a job that still runs would let a second
 * worker run it at the same time); pools only judged probably alive are unlocked with `force`. Audited.
 */
export async function unlockPools(ctx: UnlockContext, session: Session, poolIds: string[], force: boolean): Promise<UnlockReport> {
  const thresholds = ctx.thresholds(session.profile.id);
  const rows = await locksByPool(session.pool);
  // Pools holding nothing now are judged too: Jobdeck's running pool must be refused even between two jobs.
  const holding = new Set(rows.map((r) => r.pool_id));
  for (const id of poolIds) if (!holding.has(id)) rows.push({ pool_id: id, jobs: 0, queues: 0, newest_ms: null, newest_at: null });
  const pools = new Map(judgePools(ctx.pools, rows, thresholds.defaultMinutes * 60_000).map((p) => [p.poolId, p]));
  const refused: UnlockReport['refused'] = [];
  const allowed: string[] = [];
  for (const id of new Set(poolIds)) {
    const p = pools.get(id);
    if (p?.liveness === 'alive') refused.push({ poolId: id, reason: `${p.reason}: stop it first, its jobs are really running` });
    else if (p?.liveness === 'probably-alive' && !force) refused.push({ poolId: id, reason: `${p.reason}: confirm to unlock anyway` });
    else allowed.push(id);
  }
  const done = allowed.length
    ? await forceUnlock(session.pool, allowed)
    : { jobsUnlocked: 0, queuesUnlocked: 0, jobsRequeued: 0, jobsExhausted: 0, jobIds: [], poolsWithLocks: [] };
  const skippedJobs = refused.reduce((n, r) => n + (pools.get(r.poolId)?.lockedJobs ?? 0), 0);
  ctx.audit.record({
    connectionId: session.profile.id,
    action: 'stuck.unlock',
    target: { poolIds, force },
    requested: done.jobsUnlocked + skippedJobs,
    affected: done.jobsUnlocked,
    skipped: skippedJobs,
    detail: {
      refused,
      queuesUnlocked: done.queuesUnlocked,
      jobsRequeued: done.jobsRequeued,
      jobsExhausted: done.jobsExhausted,
      jobIds: done.jobIds,
    },
  });
  if (allowed.length) void session.refresh().catch(() => {});
  return {
    poolIds: allowed,
    jobsUnlocked: done.jobsUnlocked,
    queuesUnlocked: done.queuesUnlocked,
    jobsRequeued: done.jobsRequeued,
    jobsExhausted: done.jobsExhausted,
    jobIds: done.jobIds,
    refused,
  };
}

import type { Session } from '../session.ts';
import type { UnlockReport } from '../../shared/model/stuck.ts';
import type { AuditLog } from '../context.ts';
import { newestLocks, type PoolLivenessSource, type PoolVerdict } from '../workers/pool-liveness.ts';
import { aliveError, forceUnlock, gateUnlock, NOTHING_UNLOCKED } from '../workers/unlock-gate.ts';
import { OpError } from '../../shared/contract/op-error.ts';

/** What the operator's unlock needs: the one liveness source and the audit log. */
export interface UnlockContext {
  liveness: PoolLivenessSource;
  audit: AuditLog;
}

/** How a pool was judged, as the audit entry keeps it. */
const auditVerdict = (v: PoolVerdict | undefined) =>
  v && { liveness: v.inferred ?? v.liveness, knownBy: v.knownBy, host: v.host, pid: v.pid, lastHeartbeatAt: v.lastHeartbeatAt };

/** Jobs each pool holds now (for the count of jobs left alone). */
async function heldCount(session: Session, poolIds: string[]): Promise<number> {
  if (poolIds.length === 0) return 0;
  const { rows } = await session.pool.query<{ n: number }>(
    `select count(*)::int as n from graphile_worker._private_jobs where locked_by = any($1::text[])`,
    [poolIds],
  );
  return rows[0].n;
}

/**
 * The operator's unlock (Stuck view, and the Stuck view's retry and cancel of held jobs), decided by the one
 * unlock rule (workers/unlock-gate.ts): a pool known alive refuses the whole request with a 409 and nothing
 * changes; this console's running runner and unknown pools that look alive (without `force`) are left alone and
 * listed; pools known gone or stopped, and unknown pools judged gone, are unlocked. Audited.
 */
export async function unlockPools(ctx: UnlockContext, session: Session, asked: string[], force: boolean): Promise<UnlockReport> {
  // Each pool's newest lock, read once: whether it holds anything, and (for a pool without the companion) its verdict.
  const newest = await newestLocks(session.pool, asked);
  const judged = await ctx.liveness.judge(session.pool, session.profile.id, asked, newest);
  // A pool that holds nothing has nothing to unlock, and no verdict worth recording (a verdict from lock age would be
  // made up): a mistyped id, or one released since. This console's own runner is still refused as such.
  const idle = [...new Set(asked.filter((id) => newest.get(id) == null && !judged.get(id)?.current))];
  const poolIds = asked.filter((id) => !idle.includes(id));
  if (poolIds.length === 0) {
    throw new OpError(
      'not_found',
      `No job or named queue is locked by ${idle.map((id) => `"${id}"`).join(', ')}: nothing to unlock (released already, or not a pool's id)`,
      { poolIds: idle },
    );
  }
  const verdicts = new Map([...judged].filter(([id]) => !idle.includes(id)));
  const gate = gateUnlock(verdicts, poolIds, force);
  for (const poolId of idle) gate.refused.push({ poolId, reason: 'it holds no lock (released already, or not a pool id)' });
  if (gate.alive.length) throw aliveError(gate.alive);
  const done = gate.allowed.length ? await forceUnlock(session.pool, gate.allowed) : NOTHING_UNLOCKED;
  const skippedJobs = await heldCount(
    session,
    gate.refused.map((r) => r.poolId),
  );
  ctx.audit.record({
    connectionId: session.profile.id,
    action: 'stuck.unlock',
    target: { poolIds: asked, force },
    requested: done.jobsUnlocked + skippedJobs,
    affected: done.jobsUnlocked,
    skipped: skippedJobs,
    detail: {
      refused: gate.refused,
      pools: Object.fromEntries([...new Set(poolIds)].map((id) => [id, auditVerdict(verdicts.get(id))])),
      queuesUnlocked: done.queuesUnlocked,
      jobsRequeued: done.jobsRequeued,
      jobsExhausted: done.jobsExhausted,
      jobIds: done.jobIds,
    },
  });
  if (gate.allowed.length) void session.refresh().catch(() => {});
  return {
    poolIds: gate.allowed,
    jobsUnlocked: done.jobsUnlocked,
    queuesUnlocked: done.queuesUnlocked,
    jobsRequeued: done.jobsRequeued,
    jobsExhausted: done.jobsExhausted,
    jobIds: done.jobIds,
    refused: gate.refused,
  };
}

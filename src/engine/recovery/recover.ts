import type { Session } from '../session.ts';
import type { RecoveryReport } from '../../shared/model/stuck.ts';
import type { AuditLog, HostedRunner, LogFn } from '../context.ts';
import type { OwnPoolsRepo } from '../runner/own-pools.ts';
import type { PoolLivenessSource } from '../workers/pool-liveness.ts';
import { forceUnlock } from '../workers/unlock-gate.ts';
import { describePgError } from '../pg/pg-errors.ts';
import { isPgError } from '../errors.ts';

export interface RecoverContext {
  pools: Pick<OwnPoolsRepo, 'all' | 'markRecovered'>;
  hosted: HostedRunner;
  /** The one liveness source: our pools are judged by the runner's records there, like every unlock's pools. */
  liveness: PoolLivenessSource;
  audit: AuditLog;
  log: LogFn;
  /** Every recovery's report: kept as the latest and sent to every window. */
  finished(report: RecoveryReport): void;
  /** How long recovery waits for a job row another session holds (ms). */
  lockTimeoutMs?: number;
}

export const emptyReport = (trigger: RecoveryReport['trigger']): RecoveryReport => ({
  at: new Date().toISOString(),
  trigger,
  poolsFound: 0,
  poolsWithLocks: [],
  jobsUnlocked: 0,
  queuesUnlocked: 0,
  jobsRequeued: 0,
  jobsExhausted: 0,
  error: null,
});

/**
 * Unlocks what earlier runner pools of this data folder still hold in this database, once they are no longer
 * alive (their process exited, or they were stopped, or they belong to this process but are not current). The
 * running runner's pool and pools of other live processes are never touched, so no job runs twice at once.
 */
export async function recover(ctx: RecoverContext, session: Session, trigger: RecoveryReport['trigger']): Promise<RecoveryReport> {
  const report = emptyReport(trigger);
  const key = session.profile.id;
  const candidates = [...ctx.pools.all().values()].filter((p) => p.connectionId === key && p.recoveredAt === null);
  const verdicts = await ctx.liveness.judge(
    session.pool,
    key,
    candidates.map((p) => p.poolId),
  );
  const dead = candidates.filter((p) => verdicts.get(p.poolId)?.liveness !== 'alive');
  report.poolsFound = dead.length;
  if (dead.length === 0) return finish(ctx, report);
  const reason = session.status.readOnlyReason;
  if (reason) {
    report.error = `Not recovered: ${reason}`;
    return finish(ctx, report);
  }
  const ids = dead.map((p) => p.poolId);
  // Our own pools, judged by the runner's records: an exited process is gone whatever its last heartbeat says.
  const done = await forceUnlock(session.pool, ids, undefined, ids, ctx.lockTimeoutMs);
  ctx.pools.markRecovered(ids);
  Object.assign(report, {
    poolsWithLocks: done.poolsWithLocks,
    jobsUnlocked: done.jobsUnlocked,
    queuesUnlocked: done.queuesUnlocked,
    jobsRequeued: done.jobsRequeued,
    jobsExhausted: done.jobsExhausted,
  });
  // Pools that held nothing (stopped cleanly) are only marked: nothing in the user's database changed.
  if (done.jobsUnlocked || done.queuesUnlocked) {
    ctx.audit.record({
      connectionId: session.profile.id,
      action: 'recovery.unlock',
      target: { poolIds: done.poolsWithLocks },
      requested: done.jobsUnlocked,
      affected: done.jobsUnlocked,
      skipped: 0,
      detail: {
        trigger,
        queuesUnlocked: done.queuesUnlocked,
        jobsRequeued: done.jobsRequeued,
        jobsExhausted: done.jobsExhausted,
        jobIds: done.jobIds,
      },
      actor: trigger === 'startup' ? 'jobdeck' : 'operator',
    });
    ctx.log(
      'warn',
      `recovery (${trigger}): ${dead.length} runner pool(s) of this Jobdeck gone; unlocked ${done.jobsUnlocked} job(s) (${done.jobsRequeued} requeued, ${done.jobsExhausted} out of attempts) and ${done.queuesUnlocked} queue(s)`,
    );
    void session.refresh().catch(() => {});
  }
  return finish(ctx, report);
}

/** Recovery that never throws: a failure becomes the report's error, logged and sent to every window. */
export async function recoverSafely(ctx: RecoverContext, session: Session, trigger: RecoveryReport['trigger']): Promise<RecoveryReport> {
  try {
    return await recover(ctx, session, trigger);
  } catch (error) {
    const why = isPgError(error) ? describePgError(error) : String((error as Error)?.message ?? error);
    const report = { ...emptyReport(trigger), error: `Recovery failed: ${why.slice(0, 500)}` };
    ctx.log('error', `recovery: ${report.error}`);
    return finish(ctx, report);
  }
}

function finish(ctx: RecoverContext, report: RecoveryReport): RecoveryReport {
  ctx.finished(report);
  return report;
}

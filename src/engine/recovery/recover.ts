import type { EngineCore } from '../core.ts';
import type { Session } from '../session.ts';
import type { RecoveryReport } from '../../shared/model/stuck.ts';
import { judgeOwnPool, markRecovered, ownPools } from '../stuck/own-pools.ts';
import { forceUnlock } from '../stuck/unlock.ts';
import { rememberRecovery } from './last.ts';

const emptyReport = (trigger: RecoveryReport['trigger']): RecoveryReport => ({
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
export async function recover(core: EngineCore, session: Session, trigger: RecoveryReport['trigger']): Promise<RecoveryReport> {
  const report = emptyReport(trigger);
  const key = session.profile.id;
  const current = core.runner.host?.poolId ?? null;
  const dead = [...ownPools(core.db).values()].filter(
    (p) => p.connectionId === key && p.recoveredAt === null && !judgeOwnPool(p, current).alive,
  );
  report.poolsFound = dead.length;
  if (dead.length === 0) return finish(core, report);
  const reason = session.status.readOnlyReason;
  if (reason) {
    report.error = `Not recovered: ${reason}`;
    return finish(core, report);
  }
  const ids = dead.map((p) => p.poolId);
  const done = await forceUnlock(session.pool, ids);
  markRecovered(core.db, ids);
  Object.assign(report, {
    poolsWithLocks: done.poolsWithLocks,
    jobsUnlocked: done.jobsUnlocked,
    queuesUnlocked: done.queuesUnlocked,
    jobsRequeued: done.jobsRequeued,
    jobsExhausted: done.jobsExhausted,
  });
  // Pools that held nothing (stopped cleanly) are only marked: nothing in the user's database changed.
  if (done.jobsUnlocked || done.queuesUnlocked) {
    core.audit.record({
      connectionId: session.profile.id,
      action: 'recovery.unlock',
      target: { poolIds: done.poolsWithLocks },
      requested: done.jobsUnlocked,
      affected: done.jobsUnlocked,
      skipped: 0,
      detail: { trigger, queuesUnlocked: done.queuesUnlocked, jobsRequeued: done.jobsRequeued, jobsExhausted: done.jobsExhausted, jobIds: done.jobIds },
      actor: trigger === 'startup' ? 'jobdeck' : 'operator',
    });
    core.log(
      'warn',
      `recovery (${trigger}): ${dead.length} runner pool(s) of this Jobdeck gone; unlocked ${done.jobsUnlocked} job(s) (${done.jobsRequeued} requeued, ${done.jobsExhausted} out of attempts) and ${done.queuesUnlocked} queue(s)`,
    );
    void session.refresh().catch(() => {});
  }
  return finish(core, report);
}

/** Recovery that never throws: a failure becomes the report's error, logged and sent to every window. */
export async function recoverSafely(core: EngineCore, session: Session, trigger: RecoveryReport['trigger']): Promise<RecoveryReport> {
  try {
    return await recover(core, session, trigger);
  } catch (error) {
    const report = { ...emptyReport(trigger), error: `Recovery failed: ${String((error as Error)?.message ?? error).slice(0, 500)}` };
    core.log('error', `recovery: ${report.error}`);
    return finish(core, report);
  }
}

function finish(core: EngineCore, report: RecoveryReport): RecoveryReport {
  rememberRecovery(core, report);
  core.emit({ type: 'recovery', report });
  return report;
}

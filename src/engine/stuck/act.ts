import type { EngineCore } from '../core.ts';
import type { Session } from '../session.ts';
import type { StuckTarget } from '../../shared/model/stuck.ts';
import type { BulkActionReport } from '../../shared/model/jobs.ts';
import { cancelJobs, retryJobs } from '../jobs/actions.ts';
import { poolsHolding, resolveTarget } from './targets.ts';
import { unlockPools } from './unlock.ts';



/**
 * Retry ("unlock and retry now", or at a time) or cancel a stuck-view group. Jobs held by a pool that is gone
 * are unlocked first (graphile-worker's admin functions skip locked jobs); pools that are alive are refused by
 * the unlock, and their jobs come back as skipped. Retry and cancel are the jobs view's own functions, so the
 * guarantees and the audit log are the same; the unlock is audited on its own.
 */
export async function stuckAction(
  core: EngineCore,
  session: Session,
  kind: 'retry' | 'cancel',
  target: StuckTarget,
  options: { runAt?: string; force: boolean },
): Promise<BulkActionReport> {
  const ids = await resolveTarget(session.pool, target);
  if (ids.length === 0) return { ...emptyReport(kind), unlock: null };
  const hostPool = core.runner.host?.poolId ?? null;
  // The hosted runner's own jobs really run: a cancel aborts them itself, a retry skips them.
  const pools = (await poolsHolding(session.pool, ids)).filter((p) => p !== hostPool);
  const unlock = pools.length ? await unlockPools(core, session, pools, options.force) : null;
  const audit = {
    auditAction: `stuck.${kind}`,
    auditTarget: target.kind === 'jobs' ? { kind: 'jobs', ids: target.ids.slice(0, 1000), count: target.ids.length } : target,
  };
  const report =
    kind === 'retry' ? await retryJobs(core, ids, { ...audit, runAt: options.runAt ?? null }) : await cancelJobs(core, ids, audit);
  return {
    ...emptyReport(kind),
    unlock,
    requested: report.requested,
    affected: report.affected.length,
    skipped: report.skipped.length,
    skippedByReason: [...new Set(report.skipped.map((s) => s.reason))].map((reason) => {
      const list = report.skipped.filter((s) => s.reason === reason);
      return { reason, count: list.length, sampleIds: list.slice(0, 5).map((s) => s.id) };
    }),
    affectedSample: report.affected.slice(0, 100),
  };
}

// Temporary: replaced by the one bulk path.
const emptyReport = (action: 'retry' | 'cancel'): BulkActionReport => ({
  actionId: '', action, requested: 0, affected: 0, skipped: 0, skippedByReason: [], affectedSample: [], durationMs: 0, auditId: 0,
});

import type { Session } from '../session.ts';
import type { StuckTarget } from '../../shared/model/stuck.ts';
import type { BulkActionReport } from '../../shared/model/jobs.ts';
import type { HostedRunner } from '../context.ts';
import { idsSource, runBulkAction, type BulkContext, type IdSource } from '../jobs/bulk.ts';
import { groupSource, poolJobIds, poolsHolding } from './targets.ts';
import { unlockPools, type UnlockContext } from './unlock.ts';
import { OpError } from '../../shared/contract/op-error.ts';
import type { TransientScreen } from '../jobs/verdicts.ts';

export interface StuckActionContext {
  bulk: BulkContext;
  unlock: UnlockContext;
  hosted: HostedRunner;
  screenTransient: TransientScreen;
}

/**
 * Retry ("unlock and retry now", or at a time) or cancel a Stuck-view group, through the one bulk-action path
 * (chunks, progress, skipped ids by reason, one audit entry). Jobs held by a pool that is gone are unlocked
 * first (graphile-worker's admin functions skip locked jobs); pools that are alive are refused by the unlock,
 * and their jobs come back as skipped. The unlock is audited on its own.
 */
export async function stuckAction(
  ctx: StuckActionContext,
  session: Session,
  kind: 'retry' | 'cancel',
  target: StuckTarget,
  options: { runAt?: string; force: boolean; actionId?: string; transientOnly?: boolean },
): Promise<BulkActionReport> {
  let source: IdSource;
  let unlock: BulkActionReport['unlock'] = null;
  if (target.kind === 'jobs' || target.kind === 'pool') {
    // Held jobs: bounded by nature (a selection, or what one pool holds), read before the unlock releases them.
    const ids = target.kind === 'jobs' ? target.ids : await poolJobIds(session.pool, target.poolId);
    // As the unlock answers it: a pool holding nothing is a 404 (released already, or not a pool's id).
    if (target.kind === 'pool' && ids.length === 0)
      throw new OpError('not_found', `Pool "${target.poolId}" holds no job: nothing to ${kind} (released already, or not a pool's id)`, {
        poolId: target.poolId,
      });
    const hostPool = ctx.hosted.poolId();
    // The hosted runner's own jobs really run: a cancel aborts them itself, a retry skips them.
    const pools = ids.length ? (await poolsHolding(session.pool, ids)).filter((p) => p !== hostPool) : [];
    if (pools.length) unlock = await unlockPools(ctx.unlock, session, pools, options.force);
    source = idsSource(ids, target.kind === 'jobs' ? { kind: 'jobs', ids: target.ids.slice(0, 1000), count: target.ids.length } : target);
  } else {
    // Due and failed jobs are not locked: nothing to unlock, and their groups can be large.
    source = groupSource(session.pool, target);
  }
  return runBulkAction(
    ctx.bulk,
    session,
    kind,
    source,
    { runAt: options.runAt ? new Date(options.runAt) : null, transientOnly: options.transientOnly },
    {
      actionId: options.actionId,
      auditAction: `stuck.${kind}`,
      unlock,
      // As the Jobs view's transient-only retry: chunk by chunk, the jobs whose own verdict says a retry won't help are left out.
      screen: kind === 'retry' && options.transientOnly ? (ids) => ctx.screenTransient(session, ids) : undefined,
    },
  );
}

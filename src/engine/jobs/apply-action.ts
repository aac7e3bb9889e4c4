import { OpError } from '../../shared/contract/index.ts';
import type { JobAction } from '../../shared/model/jobs.ts';
import type { Session } from '../session.ts';
import type { HostedRunner } from '../context.ts';
import type { JobRecords } from '../history/job-records.ts';
import { lockStates, permanentlyFailJobs, reschedulePaced, rescheduleJobs } from './admin-sql.ts';
import type { PoolLivenessSource } from '../workers/pool-liveness.ts';
import { forceUnlock, gateUnlock } from '../workers/unlock-gate.ts';
import { cancelJobIds } from './cancel.ts';
import { explainSkipped, missingFrom, SKIP } from './skip-reasons.ts';

/** The parameters of each action. */
export interface ActionParams {
  /** retry: when to run (default now); with pace, when the first job runs. */
  runAt?: Date | null;
  /** retry: release `perMinute` jobs a minute from runAt; `offset` is how many came before this chunk. */
  pace?: { perMinute: number; start: Date; offset: number };
  /** fail: the last_error to set (graphile-worker's default: "Manually marked as failed"). */
  message?: string | null;
  /** priority: the new priority (lower runs first). */
  priority?: number;
  /** Who acts, for the audit log and cancelled snapshots. */
  actor?: string;
  /** unlock: also release pools of unknown liveness that took a lock recently (never a pool known alive). */
  force?: boolean;
  /** retry: only the jobs whose retry verdict is transient (the bulk path screens each chunk: see verdicts.ts). */
  transientOnly?: boolean;
  /** cancel: a job that has failed for good is skipped, not removed (a cancel of a job seen running). */
  keepFailed?: boolean;
}

export interface ActionOutcome {
  affected: string[];
  skipped: { id: string; reason: string }[];
}

const ID = /^[1-9]\d{0,18}$/;

/** Jobs per admin-function call: big enough to retry 100,000 jobs in a few seconds, small enough to report progress. */
export const CHUNK_SIZE = 5_000;

/** Checks ids (graphile-worker's are positive bigints) and drops duplicates, keeping the order. */
export function normalizeIds(ids: readonly string[]): string[] {
  const bad = ids.find((id) => typeof id !== 'string' || !ID.test(id));
  if (bad !== undefined) throw new OpError('invalid_input', `Not a job id: ${String(bad).slice(0, 40)}`);
  return [...new Set(ids)];
}

/**
 * What applying an action needs besides the database: the hosted runner (its jobs), the history (cancelled
 * jobs) and whether the pools holding jobs still run (unlock).
 */
export interface ActionDeps {
  hosted: HostedRunner;
  records: JobRecords;
  liveness: PoolLivenessSource;
}

/** The parameters as they go into the audit log (dates as ISO strings, no empty keys). */
export function auditParams(params: ActionParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (params.runAt) out.runAt = params.runAt.toISOString();
  if (params.pace) out.pace = { perMinute: params.pace.perMinute, start: params.pace.start.toISOString() };
  if (params.message) out.message = params.message.slice(0, 500);
  if (params.priority !== undefined) out.priority = params.priority;
  if (params.force) out.force = true;
  if (params.transientOnly) out.transientOnly = true;
  if (params.keepFailed) out.keepFailed = true;
  return out;
}

/**
 * Applies one action to a list of ids through graphile-worker's admin functions and accounts for every id:
 * affected, or skipped with a reason. Writes no audit entry (callers record one per operator action).
 */
export async function applyJobAction(
  deps: ActionDeps,
  session: Session,
  action: JobAction,
  ids: string[],
  params: ActionParams,
): Promise<ActionOutcome> {
  if (ids.length === 0) return { affected: [], skipped: [] };
  const db = session.pool;
  const hostPool = deps.hosted.poolId();
  const finish = async (affected: string[]): Promise<ActionOutcome> => ({
    affected,
    skipped: await explainSkipped(db, missingFrom(ids, affected), hostPool),
  });
  switch (action) {
    case 'retry':
      if (params.pace) return finish(await reschedulePaced(db, ids, params.pace));
      // attempts := 0 is the point: WorkerUtils.rescheduleJobs cannot set it (it treats 0 as "unchanged").
      return finish(await rescheduleJobs(db, ids, { runAt: params.runAt ?? new Date(), attempts: 0 }));
    case 'priority':
      if (params.priority === undefined) throw new OpError('invalid_input', 'A priority is required');
      return finish(await rescheduleJobs(db, ids, { priority: params.priority }));
    case 'fail':
      return finish(await permanentlyFailJobs(db, ids, params.message ?? null));
    case 'cancel':
      return cancelJobIds(deps, session, ids, params.actor ?? 'operator', { keepFailed: params.keepFailed });
    case 'unlock':
      return unlockIds(deps.liveness, session, ids, hostPool, params.force ?? false);
  }
}

/**
 * Unlocks the selected jobs by releasing the pools that hold them (graphile-worker unlocks per pool, so other
 * jobs of a released pool are released too and counted as affected), by the one unlock rule: this console's
 * live pool and pools of unknown liveness that look alive (without `force`) are skipped with the reason. A pool
 * known alive was refused before the action began (`refuseLiveHolders`); one found alive here, mid-action, is
 * skipped too, since earlier chunks have already changed.
 */
async function unlockIds(
  liveness: PoolLivenessSource,
  session: Session,
  ids: string[],
  hostPool: string | null,
  force: boolean,
): Promise<ActionOutcome> {
  const states = await lockStates(session.pool, ids);
  const skipped: ActionOutcome['skipped'] = [];
  const pools = new Set<string>();
  for (const id of ids) {
    const state = states.get(id);
    if (!state) skipped.push({ id, reason: SKIP.notFound });
    else if (!state.lockedBy) skipped.push({ id, reason: SKIP.notLocked });
    else if (state.lockedBy === hostPool) skipped.push({ id, reason: SKIP.ownPool });
    else pools.add(state.lockedBy);
  }
  const gate = gateUnlock(await liveness.judge(session.pool, session.profile.id, [...pools]), [...pools], force);
  const leftAlone = new Map<string, string>([
    ...gate.refused.map((r) => [r.poolId, SKIP.unlockRefused(r.poolId, r.reason)] as const),
    ...gate.alive.map((v) => [v.poolId, SKIP.unlockAlive(v.poolId, v.reason)] as const),
  ]);
  for (const id of ids) {
    const holder = states.get(id)?.lockedBy;
    const reason = holder ? leftAlone.get(holder) : undefined;
    if (reason) skipped.push({ id, reason });
  }
  const affected = gate.allowed.length ? (await forceUnlock(session.pool, gate.allowed, Infinity)).jobIds : [];
  const released = new Set(affected);
  const skippedIds = new Set(skipped.map((s) => s.id));
  // A selected job of a released pool that was not released had finished in between: say so.
  for (const id of ids) if (!released.has(id) && !skippedIds.has(id)) skipped.push({ id, reason: SKIP.notLocked });
  return { affected, skipped };
}

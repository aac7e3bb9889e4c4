import { lockStates, type Queryable } from './admin-sql.ts';

/** Why an admin function left a job alone; grouped by reason in reports, so they name no per-job detail but the pool. */
export const SKIP = {
  notFound: 'not found: it already completed or was removed',
  raced: 'held by a worker at that moment (it has since been released): try again',
  runningHere: "running in this console's runner",
  runningElsewhere: (pool: string) => `running in another process (${pool}): locked jobs are never changed`,
  /** A pool without the companion: nothing can reach its running task. */
  cancelElsewhere: (pool: string) =>
    `running in another process (${pool}) without the Jobdeck companion: a running job cannot be stopped there; cancel it once it ends`,
  /** A worker with the companion, but this console may not ask it (see grantAdvice). */
  cannotAsk: (advice: string) => `running in a worker with the Jobdeck companion, but ${advice}`,
  completedFirst: 'it completed before the cancel took effect (its worker could not stop it)',
  failedFirst: 'it failed before the cancel took effect: graphile-worker retries it if attempts remain; cancel it again to remove it',
  endedFirst: 'it ended before its worker saw the cancel (it completed, or was removed)',
  stopping: (pool: string) =>
    `its worker (${pool}) acknowledged and aborted it, but the task has not ended yet: it ends as cancelled, not retried, when it does`,
  notHonoured: (pool: string) =>
    `its worker (${pool}) aborted it, but the task ignores its abort signal: it ends as cancelled when it finishes`,
  notAcknowledged: (pool: string, waitMs: number, silent?: { seconds: number; stopped: boolean }) =>
    `no live worker acknowledged within ${Math.round(waitMs / 1000)} s: its worker (${pool}) ` +
    (silent?.stopped ? 'has stopped' : silent ? `last sent a heartbeat ${silent.seconds} s ago` : 'is not known') +
    '. The request stays: if that worker comes back, it cancels the job at its next heartbeat',
  /** A pool known gone or stopped still holds the job: nothing runs it, and nothing would answer a cancel request. */
  heldByGone: (pool: string, why: string) =>
    `held by a worker that is gone (${pool}: ${why.charAt(0).toLowerCase()}${why.slice(1)}): it runs nowhere. Unlock its jobs in the Stuck view, where they can also be cancelled`,
  notLocked: 'not locked: nothing to unlock',
  /** A cancel of a job the operator saw running (keepFailed) that failed for good meanwhile: nothing left to stop. */
  failedForGood: 'it failed for good before the cancel arrived: nothing left to stop, so it was kept (retry it, or cancel it to remove it)',
  ownPool: "held by this console's running runner: its pool is alive, cancel the job instead",
  unlockRefused: (pool: string, why: string) => `held by ${pool}, not unlocked: ${why}`,
  unlockAlive: (pool: string, why: string) => `held by ${pool}, which is alive (${why}): never unlocked`,
} as const;

/**
 * Explains, for each id an admin function did not return, why: gone, or locked by which pool (this console's
 * runner or another process). Reads the rows after the call, so a job released since then says so.
 */
export async function explainSkipped(
  db: Queryable,
  skippedIds: string[],
  hostPoolId: string | null,
  elsewhere: (pool: string) => string = SKIP.runningElsewhere,
): Promise<{ id: string; reason: string }[]> {
  if (skippedIds.length === 0) return [];
  const states = await lockStates(db, skippedIds);
  return skippedIds.map((id) => {
    const state = states.get(id);
    if (!state) return { id, reason: SKIP.notFound };
    if (!state.lockedBy) return { id, reason: SKIP.raced };
    if (state.lockedBy === hostPoolId) return { id, reason: SKIP.runningHere };
    return { id, reason: elsewhere(state.lockedBy) };
  });
}

/** Ids in `requested` that are not in `done`, in request order. */
export function missingFrom(requested: string[], done: Iterable<string>): string[] {
  const set = new Set(done);
  return requested.filter((id) => !set.has(id));
}

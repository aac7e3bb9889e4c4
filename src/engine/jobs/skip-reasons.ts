import { lockStates, type Queryable } from './admin-sql.ts';

/** Why an admin function left a job alone; grouped by reason in reports, so they name no per-job detail but the pool. */
export const SKIP = {
  notFound: 'not found: it already completed or was removed',
  raced: 'held by a worker at that moment (it has since been released): try again',
  runningHere: "running in this console's runner",
  runningElsewhere: (pool: string) => `running in another process (${pool}): locked jobs are never changed`,
  cancelElsewhere: (pool: string) => `running in another process (${pool}): it cannot be cancelled from here; mark it failed after it ends`,
  notLocked: 'not locked: nothing to unlock',
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

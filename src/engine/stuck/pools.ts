import type { LockingPool } from '../../shared/model/stuck.ts';
import type { PoolLockRow } from './queries.ts';
import { judgeOwnPool, type OwnPool } from '../runner/own-pools.ts';

/** What judging pools needs: this data folder's pools (SQLite `runner_pools`) and the running runner's pool. */
export interface PoolKnowledge {
  own(): Map<string, OwnPool>;
  currentPoolId(): string | null;
}

/**
 * Which pools hold locks and whether each still runs. Ours are known exactly (SQLite `runner_pools` and the
 * live runner's pool id). For another pool we can only judge: a live pool keeps taking jobs, so when its newest
 * lock is older than `judgeAfterMs` it has probably gone.
 */
export function judgePools(known: PoolKnowledge, rows: PoolLockRow[], judgeAfterMs: number): LockingPool[] {
  const own = known.own();
  const current = known.currentPoolId();
  return rows.map((row) => {
    const base = {
      poolId: row.pool_id,
      lockedJobs: row.jobs,
      lockedQueues: row.queues,
      newestLockAt: row.newest_at ? row.newest_at.toISOString() : null,
    };
    const mine = own.get(row.pool_id);
    if (mine || row.pool_id === current) {
      const verdict = mine ? judgeOwnPool(mine, current) : { alive: true, reason: "Jobdeck's running runner" };
      return {
        ...base,
        ours: true,
        liveness: verdict.alive ? 'alive' : 'gone',
        reason: verdict.reason,
        stoppedAt: verdict.stoppedAt ?? null,
      };
    }
    const minutes = Math.round((row.newest_ms ?? 0) / 60_000);
    // A pool holding nothing has nothing to lose: treat it as gone.
    const stale = row.newest_ms === null || row.newest_ms > judgeAfterMs;
    return {
      ...base,
      ours: false,
      liveness: stale ? 'probably-gone' : 'probably-alive',
      reason:
        row.newest_ms === null
          ? 'Not a runner of this Jobdeck, and it holds no lock now'
          : stale
            ? `Judged from lock age: not another runner of this Jobdeck, and its newest lock is ${minutes} min old`
            : 'Judged from lock age: not a runner of this Jobdeck, and it took a lock recently',
    };
  });
}

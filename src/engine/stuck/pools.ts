import type { LockingPool } from '../../shared/model/stuck.ts';
import type { PoolLockRow } from './queries.ts';
import type { PoolVerdict } from '../workers/pool-liveness.ts';

/**
 * A pool holding locks as the Stuck view shows it: its locks, and its liveness from the one liveness source
 * (workers/pool-liveness.ts). A pool whose liveness is unknown shows the lock-age judgement, labelled as such.
 */
export function lockingPool(row: PoolLockRow, v: PoolVerdict): LockingPool {
  return {
    poolId: row.pool_id,
    ours: v.ours,
    liveness: v.liveness === 'unknown' ? (v.inferred ?? 'probably-alive') : v.liveness,
    reason: v.reason,
    stoppedAt: v.stoppedAt,
    knownBy: v.knownBy,
    host: v.host,
    pid: v.pid,
    lastHeartbeatAt: v.lastHeartbeatAt,
    lockedJobs: row.jobs,
    lockedQueues: row.queues,
    newestLockAt: row.newest_at ? row.newest_at.toISOString() : null,
  };
}

/** Pools whose jobs count as stuck whatever their age: known gone, stopped yet holding locks, or judged gone. */
export const holdsStuckJobs = (p: Pick<LockingPool, 'liveness'>): boolean =>
  p.liveness === 'gone' || p.liveness === 'stopped' || p.liveness === 'probably-gone';

import type { Db } from '../store/db.ts';

/** A pool started by this data folder's hosted runner, as recorded in SQLite `runner_pools`. */
export interface OwnPool {
  poolId: string;
  /** The saved connection's id (stable, unlike the embedded database's port), as RunnerController records it. */
  connectionId: string;
  pid: number;
  startedAt: number;
  stoppedAt: number | null;
  recoveredAt: number | null;
}

export function ownPools(db: Db): Map<string, OwnPool> {
  const rows = db
    .prepare(
      `select pool_id as poolId, connection_id as connectionId, pid, started_at as startedAt,
              stopped_at as stoppedAt, recovered_at as recoveredAt
       from runner_pools`,
    )
    .all() as OwnPool[];
  return new Map(rows.map((r) => [r.poolId, r]));
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether one of our pools still runs, known exactly: the current runner's pool is alive; a pool that was
 * stopped, or started by this very process but not current, or whose process has exited, is gone. A pool of
 * another live process on this data folder is alive (two consoles may share a folder).
 */
export function judgeOwnPool(pool: OwnPool, currentPoolId: string | null): { alive: boolean; reason: string; stoppedAt?: string } {
  if (pool.poolId === currentPoolId) return { alive: true, reason: "Jobdeck's running runner" };
  // The time goes apart from the sentence: the renderer shows it in the viewer's local time.
  if (pool.stoppedAt !== null) return { alive: false, reason: "Jobdeck's runner, stopped", stoppedAt: new Date(pool.stoppedAt).toISOString() };
  if (pool.pid === process.pid) return { alive: false, reason: "an earlier runner of this Jobdeck process, no longer running" };
  if (!pidAlive(pool.pid)) return { alive: false, reason: `Jobdeck's runner whose process ${pool.pid} has exited (crashed or killed)` };
  return { alive: true, reason: `Jobdeck's runner in another running process (${pool.pid})` };
}

export function markRecovered(db: Db, poolIds: string[], at = Date.now()): void {
  const update = db.prepare('update runner_pools set recovered_at = ? where pool_id = ?');
  db.transaction(() => {
    for (const id of poolIds) update.run(at, id);
  })();
}

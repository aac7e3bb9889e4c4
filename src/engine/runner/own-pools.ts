import { writeTransaction, type Db } from '../store/db.ts';
import { processIdentity } from './process-identity.ts';

/** A pool started by this data folder's hosted runner, as recorded in SQLite `runner_pools`. */
export interface OwnPool {
  poolId: string;
  /** The saved connection's id (stable, unlike the embedded database's port), as RunnerController records it. */
  connectionId: string;
  pid: number;
  /** The process's start time (and boot), recorded with its pid: a later process given the same pid differs. */
  processIdentity: string | null;
  startedAt: number;
  stoppedAt: number | null;
  recoveredAt: number | null;
}

/** The hosted runner's pools in SQLite `runner_pools`: this module is the only one that writes the table. */
export function ownPoolsRepo(db: Db) {
  const started = db.prepare(
    'insert or ignore into runner_pools (pool_id, connection_id, pid, process_identity, started_at) values (?, ?, ?, ?, ?)',
  );
  const stopped = db.prepare('update runner_pools set stopped_at = ? where pool_id = ?');
  const recovered = db.prepare('update runner_pools set recovered_at = ? where pool_id = ?');
  const all = db.prepare(
    `select pool_id as poolId, connection_id as connectionId, pid, process_identity as processIdentity, started_at as startedAt,
            stopped_at as stoppedAt, recovered_at as recoveredAt
     from runner_pools`,
  );
  return {
    /** `connectionId` is the saved connection's id: what recovery later matches pools by. */
    recordStarted(poolId: string, connectionId: string, at = Date.now()): void {
      started.run(poolId, connectionId, process.pid, processIdentity(process.pid), at);
    },
    recordStopped(poolId: string, at = Date.now()): void {
      stopped.run(at, poolId);
    },
    /** Pools whose locks recovery released: never recovered twice. */
    markRecovered(poolIds: string[], at = Date.now()): void {
      writeTransaction(db, () => {
        for (const id of poolIds) recovered.run(at, id);
      })();
    },
    all(): Map<string, OwnPool> {
      return new Map((all.all() as OwnPool[]).map((r) => [r.poolId, r]));
    },
  };
}

export type OwnPoolsRepo = ReturnType<typeof ownPoolsRepo>;

/**
 * Whether one of our pools still runs, known exactly: the current runner's pool is alive; a pool that was
 * stopped, or started by this very process but not current, or whose process has exited, is gone. A pool of
 * another live process on this data folder is alive (two consoles may share a folder).
 */
export function judgeOwnPool(pool: OwnPool, currentPoolId: string | null): { alive: boolean; reason: string; stoppedAt?: string } {
  if (pool.poolId === currentPoolId) return { alive: true, reason: "Jobdeck's running runner" };
  // The time goes apart from the sentence: the renderer shows it in the viewer's local time.
  if (pool.stoppedAt !== null)
    return { alive: false, reason: "Jobdeck's runner, stopped", stoppedAt: new Date(pool.stoppedAt).toISOString() };
  if (pool.pid === process.pid) return { alive: false, reason: 'an earlier runner of this Jobdeck process, no longer running' };
  // A zombie has exited; a process given the same pid later (after a restart or a reboot) is another one.
  const now = processIdentity(pool.pid);
  if (now === null) return { alive: false, reason: `Jobdeck's runner whose process ${pool.pid} has exited (crashed or killed)` };
  if (pool.processIdentity !== null && now !== pool.processIdentity)
    return { alive: false, reason: `Jobdeck's runner whose process ${pool.pid} has exited (the pid now belongs to another process)` };
  return { alive: true, reason: `Jobdeck's runner in another running process (${pool.pid})` };
}

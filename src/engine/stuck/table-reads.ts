import type { Session } from '../session.ts';
import { dueByTask, lockedQueues, type DueRow, type LockedQueueRow } from './queries.ts';
import { scanLocksAndFailures, type ScanResult } from './scan-query.ts';

/** The stuck report's reads of graphile-worker's tables. */
export interface TableReads {
  scan: ScanResult;
  queues: LockedQueueRow[];
  due: DueRow[];
}

/**
 * How long the reads are reused while the job tables are unchanged (TableActivity), lock ages and waits grown by
 * the time passed. Locks and failures change only with the tables (the watcher reconciles as rarely); jobs due
 * change with time alone (run_at passing), so the due groups and the jobs waiting behind locked queues are read
 * again after a minute: their counts may be that much behind the overview's.
 */
const REUSE_SCAN_MS = 5 * 60_000;
const REUSE_DUE_MS = 60_000;

interface Read<T> {
  rows: T;
  /** Local clock when the read began: it holds what was committed before. */
  startedAt: number;
}

/** Locked jobs read per report; beyond it (a pool of huge concurrency died) the counts per pool stay exact. */
const MAX_LOCKED = 5000;

/**
 * The reads of the stuck report for one database, reused while its job tables are known unchanged: the trouble
 * summary asks every few seconds, and on a million quiet jobs each read is three passes over the table.
 */
export class StuckReads {
  private profileId: string | null = null;
  private locks: Read<ScanResult> | null = null;
  private due: Read<{ due: DueRow[]; queues: LockedQueueRow[] }> | null = null;

  async read(session: Session, now = Date.now()): Promise<TableReads> {
    if (this.profileId !== session.profile.id) {
      this.profileId = session.profile.id;
      this.locks = this.due = null;
    }
    const fresh = <T>(read: Read<T> | null, reuseMs: number): read is Read<T> =>
      read !== null && now - read.startedAt < reuseMs && session.quietSince(read.startedAt);
    // A change made a moment ago may not have reached the monitor's check (once a second) yet.
    if (fresh(this.locks, REUSE_SCAN_MS) || fresh(this.due, REUSE_DUE_MS)) await session.checkActivity();
    const db = session.pool;
    const startedAt = Date.now();
    const [locks, due] = await Promise.all([
      fresh(this.locks, REUSE_SCAN_MS)
        ? this.locks
        : scanLocksAndFailures(db, { lockedLimit: MAX_LOCKED }).then((rows) => ({ rows, startedAt })),
      fresh(this.due, REUSE_DUE_MS)
        ? this.due
        : Promise.all([dueByTask(db), lockedQueues(db)]).then(([due, queues]) => ({ rows: { due, queues }, startedAt })),
    ]);
    this.locks = locks;
    this.due = due;
    return aged(locks, due, now);
  }
}

/** The reads as they stand at `now`, nothing having changed since each began: every age grown by the time passed. */
function aged(locks: Read<ScanResult>, due: Read<{ due: DueRow[]; queues: LockedQueueRow[] }>, now: number): TableReads {
  const sinceLocks = Math.max(0, now - locks.startedAt);
  const sinceDue = Math.max(0, now - due.startedAt);
  const scan = locks.rows;
  const { queues } = due.rows;
  return {
    scan: {
      pools: scan.pools.map((p) => ({ ...p, newest_ms: p.newest_ms === null ? null : p.newest_ms + sinceLocks })),
      jobs: scan.jobs.map((j) => ({ ...j, locked_ms: j.locked_ms + sinceLocks })),
      failed: scan.failed,
    },
    queues: queues.map((q) => ({ ...q, locked_ms: q.locked_ms + sinceDue })),
    due: due.rows.due.map((d) => ({ ...d, waiting_ms: d.waiting_ms + sinceDue })),
  };
}

import type { Session } from '../session.ts';
import { dueByTask, lockedQueues, type DueRow, type LockedQueueRow } from './queries.ts';
import { scanLocksAndFailures, type ScanResult } from './scan-query.ts';

/** The stuck report's reads of graphile-worker's tables, with the local time they began. */
export interface TableReads {
  scan: ScanResult;
  queues: LockedQueueRow[];
  due: DueRow[];
  startedAt: number;
}

/**
 * How long the reads are reused while the job tables are unchanged (TableActivity). Lock ages and waits are aged
 * by the time passed; jobs that fell due meanwhile (time alone makes them due) show at the next read, so a due
 * group's count may be this much behind the overview's, never a lock or a failure.
 */
export const REUSE_MS = 60_000;

/** Locked jobs read per report; beyond it (a pool of huge concurrency died) the counts per pool stay exact. */
const MAX_LOCKED = 5000;

/**
 * The reads of the stuck report for one database, reused while its job tables are known unchanged: the trouble
 * summary asks every few seconds, and on a million quiet jobs each read is two passes over the table.
 */
export class StuckReads {
  private last: { profileId: string; reads: TableReads } | null = null;

  async read(session: Session, now = Date.now()): Promise<TableReads> {
    const last = this.last?.profileId === session.profile.id ? this.last.reads : null;
    if (last && now - last.startedAt < REUSE_MS && session.quietSince(last.startedAt)) return aged(last, now - last.startedAt);
    const startedAt = Date.now();
    const db = session.pool;
    const [scan, queues, due] = await Promise.all([scanLocksAndFailures(db, { lockedLimit: MAX_LOCKED }), lockedQueues(db), dueByTask(db)]);
    const reads = { scan, queues, due, startedAt };
    this.last = { profileId: session.profile.id, reads };
    return reads;
  }
}

/** The reads as they stand `elapsed` ms later, nothing having changed: every age grown by it. */
function aged(reads: TableReads, elapsed: number): TableReads {
  return {
    scan: {
      pools: reads.scan.pools.map((p) => ({ ...p, newest_ms: p.newest_ms === null ? null : p.newest_ms + elapsed })),
      jobs: reads.scan.jobs.map((j) => ({ ...j, locked_ms: j.locked_ms + elapsed })),
      failed: reads.scan.failed,
    },
    queues: reads.queues.map((q) => ({ ...q, locked_ms: q.locked_ms + elapsed })),
    due: reads.due.map((d) => ({ ...d, waiting_ms: d.waiting_ms + elapsed })),
    startedAt: reads.startedAt,
  };
}

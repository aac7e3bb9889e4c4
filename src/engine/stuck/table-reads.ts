import type { Session } from '../session.ts';
import type { Counted } from '../monitor/monitor.ts';
import { fellDue } from '../monitor/fall-due.ts';
import type { LockedJob } from '../monitor/count-query.ts';
import { queueLocks, type DueRow, type PoolLockRow, type QueueLockRow, type WaitingJob } from './queries.ts';
import type { FailedHeadRow } from './scan-query.ts';
import { FailedGroups } from './failed-groups.ts';
import { BlockedSamples } from './blocked-samples.ts';

/** A locked queue row and how many due jobs wait behind it. */
export interface LockedQueueRow extends QueueLockRow {
  waiting: number;
}

/** What the stuck report knows of graphile-worker's tables. */
export interface TableReads {
  /** Every pool holding a job or queue lock. */
  pools: PoolLockRow[];
  /** Locked jobs, oldest lock first, at most MAX_LOCKED (the counts per pool stay exact beyond it), with their age. */
  jobs: (LockedJob & { lockedMs: number })[];
  /** Permanently failed jobs grouped by task and message head, biggest first. */
  failed: FailedHeadRow[];
  queues: LockedQueueRow[];
  due: DueRow[];
  /** The first jobs waiting behind each of these (blocked) queues, from the same database's cache. */
  firstWaiting(queues: readonly LockedQueueRow[]): Promise<Map<string, WaitingJob[]>>;
}

const MAX_LOCKED = 5000;
/** What is kept per database: a switch of connection starts anew. */
interface DatabaseState {
  profileId: string | null;
  failed: FailedGroups;
  samples: BlockedSamples;
}

const stateFor = (profileId: string | null): DatabaseState => ({ profileId, failed: new FailedGroups(), samples: new BlockedSamples() });

/**
 * The stuck report's view of one database, built on the monitor's count (Session.counted), which the overview makes
 * anyway: locks, due jobs and the number of jobs waiting behind locked queues come from it, aged to now, and the
 * failed groups follow its list of new failures (FailedGroups). The report itself reads the small queue table, and
 * a pass over the jobs only when the failed jobs changed in a way the counts cannot follow, or a blocked queue's
 * first jobs changed: at a million jobs, each read of it used to be three passes.
 */
export class StuckReads {
  private state = stateFor(null);

  /** `fresh`: as of a count begun after the tables last changed (the Stuck view); else the monitor's cadence. */
  async read(session: Session, fresh: boolean): Promise<TableReads> {
    if (this.state.profileId !== session.profile.id) this.state = stateFor(session.profile.id);
    // Held across the wait below: a switch of connection meanwhile must not mix two databases' figures.
    const state = this.state;
    const counted = await session.counted(fresh);
    return build(state, session.pool, counted, (since) => session.quietSince(since));
  }

  /** The reads as they stand at `now`, from `counted` and what is read here (benchmarks and tests). */
  from(db: Session['pool'], counted: Counted, quietSince: (since: number) => boolean, now = Date.now()): Promise<TableReads> {
    return build(this.state, db, counted, quietSince, now);
  }
}

async function build(
  state: DatabaseState,
  db: Session['pool'],
  counted: Counted,
  quietSince: (since: number) => boolean,
  now = Date.now(),
): Promise<TableReads> {
  const figures = counted.result.stuck;
  const [locks, failed] = await Promise.all([queueLocks(db), state.failed.rows(db, counted, quietSince, now)]);
  // The database's clock now, from its clock at the count and the time passed here since.
  const dbNow = (counted.result.dbNow ?? counted.startedAt) + Math.max(0, now - counted.startedAt);
  const jobs = figures.locked.slice(0, MAX_LOCKED).map((j) => ({ ...j, lockedMs: dbNow - j.lockedAt }));

  // Due jobs per task, and those held behind a locked queue per queue: the count's, plus those fallen due since
  // (the count lists what falls due within its horizon while the tables rest; while they change, the next count
  // comes within seconds).
  const lockedQueues = new Set(locks.map((q) => q.queue));
  const due = new Map<string, { due: number; oldestAt: number }>();
  const waiting = new Map<string, number>();
  const addDue = (task: string, queue: string | null, n: number, oldestAt: number) => {
    if (queue !== null && lockedQueues.has(queue)) {
      waiting.set(queue, (waiting.get(queue) ?? 0) + n);
      return;
    }
    const d = due.get(task) ?? { due: 0, oldestAt };
    d.due += n;
    d.oldestAt = Math.min(d.oldestAt, oldestAt);
    due.set(task, d);
  };
  for (const g of figures.due) addDue(g.task, g.queue, g.due, g.oldestAt);
  for (const group of counted.result.soon) {
    const fell = fellDue(group, dbNow);
    if (fell) addDue(group.task, group.queue, fell.ready + fell.retries, fell.firstAt);
  }

  return {
    pools: lockingPools(figures.locked, locks, dbNow),
    jobs,
    failed,
    queues: locks.map((q) => ({ ...q, waiting: waiting.get(q.queue) ?? 0 })),
    due: [...due]
      .map(([task, d]) => ({ task, due: d.due, oldest_at: new Date(d.oldestAt), waiting_ms: Math.max(0, dbNow - d.oldestAt) }))
      .sort((a, b) => a.task.localeCompare(b.task)),
    firstWaiting: (queues) => state.samples.get(db, queues, quietSince),
  };
}

/** Each pool holding locks: its locked jobs (from the count) and queue rows (read now), with its newest lock. */
function lockingPools(locked: LockedJob[], locks: QueueLockRow[], dbNow: number): PoolLockRow[] {
  const pools = new Map<string, PoolLockRow>();
  const hold = (poolId: string, lockedAt: number, lockedMs: number, kind: 'jobs' | 'queues') => {
    const p = pools.get(poolId) ?? { pool_id: poolId, jobs: 0, queues: 0, newest_ms: null, newest_at: null };
    p[kind] += 1;
    if (p.newest_at === null || lockedAt > p.newest_at.getTime()) {
      p.newest_at = new Date(lockedAt);
      p.newest_ms = lockedMs;
    }
    pools.set(poolId, p);
  };
  for (const j of locked) hold(j.lockedBy, j.lockedAt, dbNow - j.lockedAt, 'jobs');
  for (const q of locks) if (q.locked_by !== null) hold(q.locked_by, q.locked_at.getTime(), q.locked_ms, 'queues');
  return [...pools.values()].sort((a, b) => (a.pool_id < b.pool_id ? -1 : a.pool_id > b.pool_id ? 1 : 0));
}

import type { Session } from '../session.ts';
import type { Counted } from '../monitor/monitor.ts';
import { dueBy } from '../monitor/fall-due.ts';
import { queueLocks, type DueRow, type PoolLockRow, type QueueLockRow, type WaitingJob } from './queries.ts';
import type { FailedHeadRow, LockedJobRow } from './scan-query.ts';
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
  /** Locked jobs, oldest lock first, at most MAX_LOCKED (the counts per pool stay exact beyond it). */
  jobs: LockedJobRow[];
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
  const { dueByGroup, lockedQueueNames } = dueNow(counted, locks, dbNow);

  const jobs: LockedJobRow[] = figures.locked.slice(0, MAX_LOCKED).map((j) => ({
    id: j.id,
    task: j.task,
    queue: j.queue,
    locked_by: j.lockedBy,
    locked_at: new Date(j.lockedAt),
    locked_ms: dbNow - j.lockedAt,
    attempts: j.attempts,
    max_attempts: j.maxAttempts,
  }));

  const due = new Map<string, { due: number; oldestAt: number }>();
  const waiting = new Map<string, number>();
  for (const g of dueByGroup) {
    if (g.queue !== null && lockedQueueNames.has(g.queue)) {
      waiting.set(g.queue, (waiting.get(g.queue) ?? 0) + g.due);
      continue;
    }
    const d = due.get(g.task) ?? { due: 0, oldestAt: Infinity };
    d.due += g.due;
    d.oldestAt = Math.min(d.oldestAt, g.oldestAt);
    due.set(g.task, d);
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

/**
 * Due jobs per task and queue at `dbNow`: the count's, plus those that fell due since (the count lists what falls
 * due within its horizon while the tables rest; while they change, the next count comes within seconds).
 */
function dueNow(counted: Counted, locks: QueueLockRow[], dbNow: number) {
  const key = (task: string, queue: string | null) => `${task}\u0000${queue ?? ''}`;
  const groups = new Map<string, { task: string; queue: string | null; due: number; oldestAt: number }>();
  for (const g of counted.result.stuck.due) {
    const had = groups.get(key(g.task, g.queue));
    if (had) {
      had.due += g.due;
      had.oldestAt = Math.min(had.oldestAt, g.oldestAt);
    } else groups.set(key(g.task, g.queue), { ...g });
  }
  for (const s of counted.result.soon) {
    const fell = dueBy(s.ready, dbNow) + dueBy(s.retries, dbNow);
    if (fell === 0) continue;
    const first = Math.min(s.ready[0] ?? Infinity, s.retries[0] ?? Infinity);
    const g = groups.get(key(s.task, s.queue)) ?? { task: s.task, queue: s.queue, due: 0, oldestAt: first };
    g.due += fell;
    g.oldestAt = Math.min(g.oldestAt, first);
    groups.set(key(s.task, s.queue), g);
  }
  return { dueByGroup: [...groups.values()], lockedQueueNames: new Set(locks.map((q) => q.queue)) };
}

/** Each pool holding locks: its locked jobs (from the count) and queue rows (read now), with its newest lock. */
function lockingPools(locked: Counted['result']['stuck']['locked'], locks: QueueLockRow[], dbNow: number): PoolLockRow[] {
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

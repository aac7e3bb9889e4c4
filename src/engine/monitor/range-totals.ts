import { JOB_STATES } from '../../shared/model/job-state.ts';
import { MAX_RECENT_FAILURES, RECENT_FAILURES_MS, recentFailure, type CountRow } from './count-query.ts';
import type { RangeGroup } from './range-count-query.ts';
import { dueBy } from './fall-due.ts';

/**
 * What the groups of one task, queue and pool add up to, times aside, kept as groups come and go: sums move by each
 * group's figures, and the oldest due job and newest lock are looked for again only when the group holding them left.
 */
interface Key {
  groups: Set<RangeGroup>;
  states: Record<(typeof JOB_STATES)[number], number>;
  dueRetries: number;
  parkedNew: number;
  parkedRetries: number;
  failedIds: bigint;
  failedRuns: bigint;
  oldestDueAt: number | null;
  newestLockAt: number | null;
  /** The group holding the oldest due job or the newest lock left: both are looked for again. */
  extremesStale: boolean;
  /** Groups with locked jobs. */
  locked: Set<RangeGroup>;
  /** Groups whose figures move with time: jobs listed as falling due, recent failures. */
  timed: Set<RangeGroup>;
}

const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

const newKey = (): Key => ({
  groups: new Set(),
  states: Object.fromEntries(JOB_STATES.map((k) => [k, 0])) as Key['states'],
  dueRetries: 0,
  parkedNew: 0,
  parkedRetries: 0,
  failedIds: 0n,
  failedRuns: 0n,
  oldestDueAt: null,
  newestLockAt: null,
  extremesStale: false,
  locked: new Set(),
  timed: new Set(),
});

/** Adds (sign 1) or takes away (sign -1) a group's figures. */
function move(key: Key, g: RangeGroup, sign: 1 | -1): void {
  for (const k of JOB_STATES) key.states[k] += sign * g.states[k];
  key.dueRetries += sign * g.dueRetries;
  key.parkedNew += sign * g.parkedNew;
  key.parkedRetries += sign * g.parkedRetries;
  key.failedIds += sign === 1 ? g.failedIds : -g.failedIds;
  key.failedRuns += sign === 1 ? g.failedRuns : -g.failedRuns;
}

/**
 * The range groups merged per task, queue and holding pool, as the full count groups them, kept as ranges are
 * counted again: putting the counts together costs the keys and the few groups whose figures move with time, not
 * every group of every range (at a million jobs, 74,000 groups: 35-70 ms each time when summed anew).
 */
export class RangeTotals {
  private readonly keys = new Map<string, Key>();

  private static keyOf(g: RangeGroup): string {
    return `${g.taskId}/${g.queueId ?? ''}/${g.lockedBy === null ? '-' : `=${g.lockedBy}`}`;
  }

  add(g: RangeGroup): void {
    const id = RangeTotals.keyOf(g);
    let key = this.keys.get(id);
    if (!key) this.keys.set(id, (key = newKey()));
    key.groups.add(g);
    move(key, g, 1);
    if (!key.extremesStale) {
      key.oldestDueAt = minOf(key.oldestDueAt, g.oldestDueAt);
      key.newestLockAt = maxOf(key.newestLockAt, g.newestLockAt);
    }
    if (g.locked) key.locked.add(g);
    if (g.soonReady.length || g.soonRetry.length || g.recentN) key.timed.add(g);
  }

  remove(g: RangeGroup): void {
    const id = RangeTotals.keyOf(g);
    const key = this.keys.get(id);
    if (!key?.groups.delete(g)) return;
    if (key.groups.size === 0) {
      this.keys.delete(id);
      return;
    }
    move(key, g, -1);
    if ((g.oldestDueAt !== null && g.oldestDueAt === key.oldestDueAt) || (g.newestLockAt !== null && g.newestLockAt === key.newestLockAt))
      key.extremesStale = true;
    key.locked.delete(g);
    key.timed.delete(g);
  }

  clear(): void {
    this.keys.clear();
  }

  /**
   * One row per task, queue and pool in the full count's form, as it stands at `dbNow`: the jobs listed as falling due
   * by then moved to Ready (the state rule compares run_at with now()), failures older than the recent window left
   * out. `queueLocks`: the locked queues, with their holder.
   */
  rows(dbNow: number, queueLocks: Map<number, string | null>): CountRow[] {
    const recentFrom = dbNow - RECENT_FAILURES_MS;
    const ascending = (a: number, b: number) => a - b;
    const rows: CountRow[] = [];
    for (const key of this.keys.values()) {
      if (key.extremesStale) {
        key.oldestDueAt = key.newestLockAt = null;
        for (const g of key.groups) {
          key.oldestDueAt = minOf(key.oldestDueAt, g.oldestDueAt);
          key.newestLockAt = maxOf(key.newestLockAt, g.newestLockAt);
        }
        key.extremesStale = false;
      }
      const first = key.groups.values().next().value!;
      const states = { ...key.states };
      let dueRetries = key.dueRetries;
      let oldestDueAt = key.oldestDueAt;
      const recent: string[] = [];
      let recentN = 0;
      const soonReady: number[] = [];
      const soonRetry: number[] = [];
      for (const g of key.timed) {
        const fellReady = dueBy(g.soonReady, dbNow);
        const fellRetries = dueBy(g.soonRetry, dbNow);
        states.ready += fellReady;
        states.scheduled -= fellReady;
        dueRetries += fellRetries;
        if (fellReady) oldestDueAt = minOf(oldestDueAt, g.soonReady[0]);
        if (fellRetries) oldestDueAt = minOf(oldestDueAt, g.soonRetry[0]);
        for (let i = fellReady; i < g.soonReady.length; i++) soonReady.push(g.soonReady[i]);
        for (let i = fellRetries; i < g.soonRetry.length; i++) soonRetry.push(g.soonRetry[i]);
        // Failures older than the window leave the list (a range's list is whole: it holds at most 128 jobs).
        const kept = g.recent.filter((entry) => recentFailure(g.task, entry).failedAt >= recentFrom);
        recent.push(...kept);
        recentN += kept.length;
      }
      rows.push({
        task: first.task,
        queue: first.queue,
        queue_locked: first.queueId === null ? null : queueLocks.has(first.queueId),
        queue_locked_by: first.queueId === null ? null : (queueLocks.get(first.queueId) ?? null),
        locked_by: first.lockedBy,
        ...states,
        due_retries: dueRetries,
        parked_new: key.parkedNew,
        parked_retries: key.parkedRetries,
        oldest_due_ms: oldestDueAt === null ? null : dbNow - oldestDueAt,
        newest_lock_ms: key.newestLockAt === null ? null : dbNow - key.newestLockAt,
        locked: key.locked.size ? [...key.locked].map((g) => g.locked).join(',') : null,
        failed_print: key.states.failed > 0 ? `${key.failedIds}/${key.failedRuns}` : null,
        failed_new: recent.length ? recent.slice(0, MAX_RECENT_FAILURES) : null,
        failed_new_n: recentN,
        soon_ready: soonReady.sort(ascending).join(','),
        soon_retry: soonRetry.sort(ascending).join(','),
        db_now: dbNow,
      });
    }
    return rows;
  }
}

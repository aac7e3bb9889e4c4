import type { DueFigures, OverviewSnapshot } from '../../shared/model/overview.ts';
import type { SoonDue } from './count-query.ts';

/** How many of the sorted times are at or before `t`. */
export function dueBy(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What of one group listed as falling due soon has fallen due by `dbNow` (the database's clock); null: none yet. */
export function fellDue(group: SoonDue, dbNow: number): { ready: number; retries: number; firstAt: number } | null {
  const ready = dueBy(group.ready, dbNow);
  const retries = dueBy(group.retries, dbNow);
  if (ready === 0 && retries === 0) return null;
  return { ready, retries, firstAt: Math.min(ready ? group.ready[0] : Infinity, retries ? group.retries[0] : Infinity) };
}

/**
 * The counts of `counted` (taken at `countedDbNow`, the database's clock) as they stand at `dbNow`, when nothing
 * changed in the table since: time alone moves jobs from Scheduled to Ready and makes retries due (the state rule
 * compares run_at with now()), and ages the oldest due job and each pool's newest lock. Exact while the table is
 * unchanged and `dbNow` is within the count's horizon.
 */
export function fallDue(counted: OverviewSnapshot, soon: readonly SoonDue[], countedDbNow: number, dbNow: number): OverviewSnapshot {
  const snapshot = structuredClone(counted);
  const elapsed = Math.max(0, dbNow - countedDbNow);
  const byTask = new Map(snapshot.byTask.map((t) => [t.task, t]));
  const byQueue = new Map(snapshot.byQueue.map((q) => [q.queue, q]));
  const all: DueFigures[] = [snapshot.totals, ...snapshot.byTask, ...snapshot.byQueue];
  for (const figures of all) if (figures.oldestDueMs != null) figures.oldestDueMs += elapsed;
  for (const pool of snapshot.pools ?? []) pool.newestLockMs += elapsed;
  for (const group of soon) {
    const fell = fellDue(group, dbNow);
    if (!fell) continue;
    const { ready, retries } = fell;
    const waited = Math.round(dbNow - fell.firstAt);
    const queue = group.queue === null ? undefined : byQueue.get(group.queue);
    for (const f of [snapshot.totals, byTask.get(group.task), queue]) {
      if (!f) continue;
      f.ready += ready;
      f.scheduled -= ready;
      f.dueRetries = (f.dueRetries ?? 0) + retries;
      f.oldestDueMs = Math.max(f.oldestDueMs ?? 0, waited);
    }
  }
  return snapshot;
}

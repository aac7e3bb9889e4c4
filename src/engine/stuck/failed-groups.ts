import type pg from 'pg';
import type { Counted } from '../monitor/monitor.ts';
import { RECENT_FAILURES_MS } from '../monitor/count-query.ts';
import { failedGroupsWithIds, failedHeads, type FailedHeadRow } from './scan-query.ts';

/** Failed jobs followed one by one (their ids kept); beyond, the groups are read again whenever they change. */
const FOLLOW_UP_TO = 100_000;
/** Groups the report gets, biggest first. */
const MAX_GROUPS = 2000;
/** Read in full at least this often while the tables change: an edit by hand may change a message unseen. */
const REREAD_MS = 5 * 60_000;
/** A count's list of recent failures covers RECENT_FAILURES_MS; commits land up to this late in it. */
const COMMIT_MARGIN_MS = 10_000;

interface State {
  groups: Map<string, FailedHeadRow>;
  /** Job id -> group key, for every failed job; null when there are too many to follow. */
  ids: Map<string, string> | null;
  /** The fingerprint of the count the groups agree with. */
  print: string;
  /** Local clock: the count they agree with began, or the full read began. */
  asOf: number;
  /** Local clock when last read in full. */
  readAt: number;
  top: FailedHeadRow[] | null;
}

const keyOf = (task: string, head: string | null) => `${task}\u0000${head === null ? '\u0001' : head}`;

/**
 * The permanently failed jobs of one database, grouped by task and message head, kept current from the monitor's
 * counts: each count carries a fingerprint of the failed jobs and the jobs that failed for good in the 30 s before
 * it. When the fingerprint moves, the new failures are added here, and the result is checked against the count's
 * number of failed jobs per task. The groups are read again in one pass over the table when that check fails (a
 * failed job retried or deleted, or one failed unseen), when the counts seen are too far apart for their lists of
 * recent failures to join up, or list only part of a storm, when there are too many failed jobs to follow one by
 * one, and every REREAD_MS while the tables change.
 */
export class FailedGroups {
  private state: State | null = null;
  private reading: Promise<State> | null = null;

  async rows(
    db: Pick<pg.Pool, 'query'>,
    counted: Counted,
    quietSince: (since: number) => boolean,
    now = Date.now(),
  ): Promise<FailedHeadRow[]> {
    const s = this.state;
    if (!s || (now - s.readAt >= REREAD_MS && !quietSince(s.readAt))) return top(await this.readAll(db, counted));
    // Groups newer than the count (read after it began): nothing in it to add.
    if (s.asOf >= counted.asOf) return top(s);
    // The same failed jobs as when the groups last agreed with a count: they hold as of this one too.
    if (s.print === counted.result.stuck.failedPrint) {
      s.asOf = counted.asOf;
      return top(s);
    }
    if (this.follow(s, counted)) return top(s);
    return top(await this.readAll(db, counted));
  }

  /** Adds the count's recent failures; false when that does not give the count's number of failed jobs per task. */
  private follow(s: State, counted: Counted): boolean {
    const { recentFailuresComplete } = counted.result.stuck;
    if (!s.ids || !recentFailuresComplete || counted.asOf - s.asOf > RECENT_FAILURES_MS - COMMIT_MARGIN_MS) return false;
    for (const f of counted.result.stuck.recentFailures) {
      const key = keyOf(f.task, f.head);
      const was = s.ids.get(f.id);
      if (was !== undefined && was !== key) {
        const old = s.groups.get(was)!;
        if (--old.n === 0) s.groups.delete(was);
      }
      const g = s.groups.get(key) ?? { task: f.task, head: f.head, n: 0, newest: new Date(f.failedAt) };
      if (was !== key) g.n += 1;
      if (f.failedAt > g.newest.getTime()) g.newest = new Date(f.failedAt);
      s.groups.set(key, g);
      s.ids.set(f.id, key);
      s.top = null;
    }
    const perTask = new Map<string, number>();
    for (const g of s.groups.values()) perTask.set(g.task, (perTask.get(g.task) ?? 0) + g.n);
    const counts = counted.result.snapshot.byTask.filter((t) => t.failed > 0);
    const agree = counts.length === perTask.size && counts.every((t) => perTask.get(t.task) === t.failed);
    if (agree) {
      s.print = counted.result.stuck.failedPrint;
      s.asOf = counted.asOf;
    }
    return agree;
  }

  /** One pass over the failed jobs (shared by callers at once), with their ids when there are few enough to follow. */
  private readAll(db: Pick<pg.Pool, 'query'>, counted: Counted): Promise<State> {
    this.reading ??= (async () => {
      const startedAt = Date.now();
      const follow = counted.result.snapshot.totals.failed <= FOLLOW_UP_TO;
      const groups = new Map<string, FailedHeadRow>();
      const ids = follow ? new Map<string, string>() : null;
      if (ids) {
        for (const { ids: jobIds, ...g } of await failedGroupsWithIds(db)) {
          const key = keyOf(g.task, g.head);
          groups.set(key, g);
          for (const id of jobIds) ids.set(id, key);
        }
      } else for (const g of await failedHeads(db, MAX_GROUPS)) groups.set(keyOf(g.task, g.head), g);
      const print = counted.result.stuck.failedPrint;
      return (this.state = { groups, ids, print, asOf: startedAt, readAt: startedAt, top: null });
    })().finally(() => (this.reading = null));
    return this.reading;
  }
}

function top(s: State): FailedHeadRow[] {
  s.top ??= [...s.groups.values()].sort((a, b) => b.n - a.n).slice(0, MAX_GROUPS);
  return s.top;
}

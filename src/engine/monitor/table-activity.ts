import type pg from 'pg';

/**
 * Whether graphile-worker's job tables may have changed, known without reading them: Postgres' own counters of
 * rows inserted, updated and deleted in `_private_jobs` and `_private_job_queues` (pg_stat_all_tables, a few
 * microseconds to read), plus the signals that arrive sooner (graphile-worker's `jobs:insert` notification, the
 * console's own actions).
 *
 * The counters lag: a backend publishes them when a transaction ends, but at most once a second; what it changes
 * within a second of its last publication waits until it idles, up to 10 s (PostgreSQL 15+; measured here: 10.0 s).
 * So a movement opens a busy window of BUSY_MS: any change its backend made after that publication is published
 * within the window, and until it closes the table counts as changing. A worker's backend publishes the take of a
 * job before the job's end (the take is a transaction of its own), so a worker's changes are never invisible
 * outside a busy window. What stays blind for up to 10 s: a session that published stats for other tables less than
 * a second before changing a job by hand (not through add_job, which notifies). The slow reconcile bounds it.
 */

/** Longer than the 10 s a backend may hold its counters (PGSTAT_IDLE_INTERVAL), with a probe's second of margin. */
const BUSY_MS = 11_000;

/**
 * `tracked`: counters are off with `track_counts = off`, and a hot standby (a read replica) does not count the
 * changes it replays: in both cases nothing can be known quiet, and the monitor counts as often as its cost allows.
 */
const PROBE_SQL = `
  select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::text as changes,
         current_setting('track_counts')::boolean and not pg_is_in_recovery() as tracked
  from pg_stat_all_tables
  where relid in ('graphile_worker._private_jobs'::regclass, 'graphile_worker._private_job_queues'::regclass)`;

export class TableActivity {
  private changes: string | null = null;
  /** When a change was last seen (counter movement, a notification, an action of the console), local ms. */
  private lastChangeAt = -Infinity;
  /** When the counters were last read successfully. */
  private lastProbeAt = -Infinity;
  /** Counters off (`track_counts = off`) or not kept (a standby): nothing can be known quiet. */
  private blind = false;

  /** Reads the counters; a movement (or the first read) counts as a change. Throws when the database is unreachable. */
  async probe(db: Pick<pg.Pool, 'query'>, now = Date.now()): Promise<void> {
    const { rows } = await db.query<{ changes: string; tracked: boolean }>(PROBE_SQL);
    const { changes, tracked } = rows[0];
    this.blind = !tracked;
    if (changes !== this.changes) this.lastChangeAt = now;
    this.changes = changes;
    this.lastProbeAt = now;
  }

  /** A change known another way (a notification, the console's own action). */
  noteChange(now = Date.now()): void {
    this.lastChangeAt = now;
  }

  /**
   * True when the job tables are known unchanged since `since` (local ms): nothing seen since, the busy window of
   * the last change closed before it, and a probe after it.
   */
  quietSince(since: number, now = Date.now()): boolean {
    if (this.blind || this.lastProbeAt < since) return false;
    return this.lastChangeAt < since && now - this.lastChangeAt >= BUSY_MS;
  }
}

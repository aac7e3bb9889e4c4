import type pg from 'pg';
import type { OverviewSnapshot } from '../../shared/model/overview.ts';
import { countJobs, type CountResult } from './count-query.ts';
import { fallDue } from './fall-due.ts';
import type { TableActivity } from './table-activity.ts';
import { RangeCounts } from './range-counts.ts';
import type { RangeDetection } from '../pg/id-ranges.ts';
import { WAIT_WINDOW_MS, WaitSamples } from './wait-samples.ts';

export interface MonitorOptions {
  pool: pg.Pool;
  /** Called with every fresh snapshot. */
  onSnapshot(snapshot: OverviewSnapshot): void;
  /** Called when a check fails (the database went away, a privilege is missing, ...), with the wait before the next try. */
  onError(error: Error, retryInMs: number): void;
  /** Whether the job tables changed (shared with the history watcher, which skips its scans the same way). */
  activity: TableActivity;
  /** How often the tables are checked and a snapshot sent (1 s). */
  minIntervalMs?: number;
  /**
   * A full count at least this often, changed or not (5 min), while the counts do not follow the watcher (whose own
   * hash pass then reconciles them at least as often): Postgres publishes its row counters within 10 s
   * (60 s when its stats lock is contended), so this only bounds what no check could see. A count also comes when
   * the list of jobs falling due runs out (SOON_HORIZON_MS, 150 s; at once after a count made while the tables
   * changed, which lists none).
   */
  reconcileMs?: number;
}

/**
 * The history watcher's passes, seen from the monitor: while it reports every pass, the monitor counts only the id
 * ranges a pass found changed, and Postgres reads the jobs once for both (RangeCounts).
 */
export interface RangeFeed {
  /** Whether every pass is reported now: the watcher runs, past its first sync, and its last pass succeeded. */
  steady(): boolean;
  /** Runs a pass begun after this call (its report handed over before it resolves); false when it was not steady. */
  detectNow(): Promise<boolean>;
}

/** Delays between attempts while the database is unreachable. */
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15_000, 30_000];
/** A take committed a little after the count that should have seen it still carries an earlier locked_at. */
const TAKE_MARGIN_MS = 10_000;
/** Counting never takes more than ~10% of the database's time: the next count waits 10x the last one's cost. */
const COST_FACTOR = 10;
const MAX_COUNT_GAP_MS = 30_000;
/** While the tables change and the counts follow the watcher, the queue locks are read again at least this often. */
const QUEUE_LOCKS_MS = 5_000;

/** The last count, and what the monitor needs to carry it forward while the tables do not change. */
export interface Counted {
  result: CountResult;
  /** Local clock when its statement was sent. */
  startedAt: number;
  endedAt: number;
  /**
   * Local clock before which every committed change is in it: its start for a count of every job; for counts that
   * follow the watcher, the start of the last pass they took in.
   */
  asOf: number;
}

/**
 * One monitor per database connection: every window reads its latest snapshot, rather than each polling the
 * database. Each second it checks whether the job tables changed (TableActivity: a few microseconds) and counts
 * them again only when they did, at most every 10x the cost of a count, and at least every `reconcileMs`; in
 * between, a snapshot is the last count carried forward (jobs that fell due moved to Ready, ages grown). At rest,
 * a million jobs cost a check a second and a count every two and a half minutes, not a count every two seconds.
 */
export class Monitor {
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private inFlight: Promise<void> | null = null;
  /** A count asked for while another was in flight: it starts once that one is done. */
  private queued: Promise<void> | null = null;
  /** Set by refresh(): the next tick counts whatever the checks say. */
  private forced = false;
  private counted: Counted | null = null;
  /** When the count under way (or the last) began, local ms. */
  private countingSince = -Infinity;
  /** Why the last count failed (cleared by the next that succeeds). */
  private lastError: Error | null = null;
  latest: OverviewSnapshot | null = null;
  /** Takes of the last hour, for the wait percentiles. */
  private readonly waits = new WaitSamples();
  /** The database's clock at the last count: the next count reads the takes since a little before it. */
  private lastDbNow: number | null = null;
  /** The counts kept per id range, used while a feed of the watcher's passes is steady. */
  private readonly ranges = new RangeCounts();
  private feed: RangeFeed | null = null;

  constructor(private readonly options: MonitorOptions) {}

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /**
   * Count now (e.g. right after an action) instead of waiting for the next tick. A count in flight may have begun
   * before the caller's change, so the caller gets the next one, begun after it (callers at once share it).
   */
  refresh(): Promise<void> {
    this.forced = true;
    this.options.activity.noteChange();
    return this.recount();
  }

  /**
   * The last full count, or a new one when there is none yet, when the console changed the tables after it began
   * (`changedAt`, local ms), or when the tables changed since it began and either the caller needs `fresh` counts
   * (an operator looking at the Stuck view) or the monitor would count now anyway (the pause its cost sets has
   * passed). Otherwise the last one: the tables unchanged since, or changing faster than it is worth counting.
   * Readers that must not scan the jobs themselves (the Stuck report, the alerts) use it; a new count is shared
   * with the overview.
   */
  async current(changedAt: number, fresh: boolean): Promise<Counted> {
    const askedAt = Date.now();
    // A count under way may be all the caller needs.
    await this.inFlight?.catch(() => {});
    if (!this.counted || this.counted.asOf <= changedAt || (await this.wouldCount(fresh))) {
      // Callers at once share one count: one begun after this call holds everything committed before it.
      if (this.inFlight && this.countingSince >= askedAt) await this.inFlight;
      else {
        this.forced = true;
        await this.recount();
      }
    }
    if (!this.counted || this.counted.asOf <= changedAt) throw this.lastError ?? new Error('The jobs could not be counted');
    return this.counted;
  }

  /** Whether the tables changed since the last count began (probing the counters first) and a count is due. */
  private async wouldCount(fresh: boolean): Promise<boolean> {
    const now = Date.now();
    await this.options.activity.probe(this.options.pool, now);
    return fresh ? !this.options.activity.quietSince(this.counted!.asOf, now) : this.mustCount(now);
  }

  /** The next count, begun after this call (shared with callers at once). */
  private recount(): Promise<void> {
    if (!this.inFlight) {
      if (this.timer) clearTimeout(this.timer);
      return this.tick();
    }
    this.queued ??= this.inFlight
      .catch(() => {})
      .then(() => {
        this.queued = null;
        if (this.stopped) return;
        if (this.timer) clearTimeout(this.timer);
        return this.inFlight ?? this.tick();
      });
    return this.queued;
  }

  /** The watcher's passes (null: none, as when it stopped): while steady, counts follow them. */
  attachFeed(feed: RangeFeed | null): void {
    this.feed = feed;
    this.ranges.reset();
  }

  /** A pass of the watcher: the ranges it found changed are counted again at the next tick. */
  noteDetection(detection: RangeDetection): void {
    if (this.feed) this.ranges.note(detection);
  }

  /** Whether counts follow the watcher's passes now. */
  private byRanges(): boolean {
    return this.feed !== null && this.feed.steady();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight?.catch(() => {});
  }

  /** Whether this tick counts: forced, first, changed, due for reconciling, or past what the count foresaw. */
  private mustCount(now: number): boolean {
    const counted = this.counted;
    if (this.forced || !counted) return true;
    const cost = counted.endedAt - counted.startedAt;
    if (now - counted.endedAt < Math.min(MAX_COUNT_GAP_MS, cost * COST_FACTOR)) return false;
    // Following the watcher: a count when a pass marked ranges, or when listed jobs stop covering what falls due
    // (the watcher's own hash pass reconciles at least every `reconcileMs`); and now and then while the tables
    // change, for the queue locks (a queue's lock may change with no job's).
    if (this.byRanges() && this.ranges.ready)
      return (
        this.ranges.pending(now) ||
        now - counted.startedAt >= counted.result.horizonMs - 10_000 ||
        (now - counted.startedAt >= QUEUE_LOCKS_MS && !this.options.activity.quietSince(counted.startedAt, now))
      );
    if (now - counted.startedAt >= (this.options.reconcileMs ?? 300_000)) return true;
    if (now - counted.startedAt >= counted.result.horizonMs - 10_000) return true;
    return !this.options.activity.quietSince(counted.startedAt, now);
  }

  /** Counts, and adds the waits of the takes seen since the last count (a margin covers late commits). */
  private async count(): Promise<OverviewSnapshot> {
    const since = this.lastDbNow === null ? undefined : new Date(this.lastDbNow - TAKE_MARGIN_MS).toISOString();
    const startedAt = Date.now();
    this.countingSince = startedAt;
    const forced = this.forced;
    this.forced = false;
    const result = await this.countNow(since, forced, startedAt).catch((error: unknown) => {
      // The count asked for is still owed: the next tick counts again rather than carrying the last one forward.
      this.forced = true;
      throw error;
    });
    const { snapshot, takes, dbNow } = result;
    if (dbNow !== null) this.lastDbNow = dbNow;
    this.waits.add(takes);
    this.waits.prune(this.lastDbNow ?? Date.now());
    const waits = this.waits.figures();
    snapshot.totals.wait = waits.total;
    for (const t of snapshot.byTask) t.wait = waits.byTask.get(t.task) ?? null;
    for (const q of snapshot.byQueue) q.wait = waits.byQueue.get(q.queue) ?? null;
    this.counted = { result, startedAt, endedAt: Date.now(), asOf: result.asOf ?? startedAt };
    return snapshot;
  }

  /**
   * Following the watcher's passes when they are steady (a count asked for waits for a pass begun after the asking,
   * so it holds every change before), otherwise one full count.
   */
  private async countNow(since: string | undefined, forced: boolean, startedAt: number): Promise<CountResult> {
    const feed = this.feed;
    if (feed?.steady()) {
      const steady = !(forced && this.ranges.ready) || (await feed.detectNow().catch(() => false));
      // Every locked job's take, whatever its age: a range is read when a pass finds it changed, which may come after
      // counts of others (the samples keep each take once).
      if (steady) return this.ranges.count(this.options.pool, startedAt - WAIT_WINDOW_MS);
    }
    this.ranges.reset();
    // Jobs falling due are listed only at rest: while the tables change, the next count comes within seconds.
    const atRest = this.counted === null || this.options.activity.quietSince(this.counted.startedAt, startedAt);
    return countJobs(this.options.pool, since, atRest);
  }

  /** The last count as it stands now, the tables unchanged since: only time moved. */
  private carried(checkedAt: number): OverviewSnapshot {
    const { result, startedAt } = this.counted!;
    const counted = result.snapshot;
    // The database's clock now, from its clock at the count and the time passed here since.
    const countedDbNow = result.dbNow ?? startedAt;
    const snapshot = fallDue(counted, result.soon, countedDbNow, countedDbNow + (checkedAt - startedAt));
    snapshot.at = new Date(checkedAt).toISOString();
    snapshot.countedAt = counted.at;
    return snapshot;
  }

  private tick(): Promise<void> {
    const run = (async () => {
      let delay = this.options.minIntervalMs ?? 1000;
      try {
        const checkedAt = Date.now();
        await this.options.activity.probe(this.options.pool, checkedAt);
        const snapshot = this.mustCount(Date.now()) ? await this.count() : this.carried(checkedAt);
        this.latest = snapshot;
        this.failures = 0;
        this.lastError = null;
        if (!this.stopped) this.options.onSnapshot(snapshot);
      } catch (error) {
        delay = BACKOFF_MS[Math.min(this.failures++, BACKOFF_MS.length - 1)];
        this.lastError = error as Error;
        if (!this.stopped) this.options.onError(error as Error, delay);
      } finally {
        this.inFlight = null;
        if (!this.stopped) this.timer = setTimeout(() => void this.tick(), delay);
      }
    })();
    this.inFlight = run;
    return run;
  }
}

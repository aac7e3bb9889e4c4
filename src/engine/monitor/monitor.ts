import type pg from 'pg';
import type { OverviewSnapshot } from '../../shared/model/overview.ts';
import { countJobs } from './count-query.ts';
import { WaitSamples } from './wait-samples.ts';

export interface MonitorOptions {
  pool: pg.Pool;
  /** Called with every fresh snapshot. */
  onSnapshot(snapshot: OverviewSnapshot): void;
  /** Called when a count fails (the database went away, a privilege is missing, ...), with the wait before the next try. */
  onError(error: Error, retryInMs: number): void;
  /** Fastest refresh; slowed down when counting is expensive, so a big table is not scanned back to back. */
  minIntervalMs?: number;
}

/**
 * One monitor per database connection: it counts on a schedule and every window reads the latest snapshot,
 * rather than each window polling the database.
 */
/** Delays between attempts while the database is unreachable. */
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15_000, 30_000];
/** A take committed a little after the count that should have seen it still carries an earlier locked_at. */
const TAKE_MARGIN_MS = 10_000;

export class Monitor {
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private inFlight: Promise<void> | null = null;
  /** A count asked for while another was in flight: it starts once that one is done. */
  private queued: Promise<void> | null = null;
  latest: OverviewSnapshot | null = null;
  /** Takes of the last hour, for the wait percentiles. */
  private readonly waits = new WaitSamples();
  /** The database's clock at the last count: the next count reads the takes since a little before it. */
  private lastDbNow: number | null = null;

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

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight?.catch(() => {});
  }

  /** Counts, and adds the waits of the takes seen since the last count (a margin covers late commits). */
  private async count(): Promise<OverviewSnapshot> {
    const since = this.lastDbNow === null ? undefined : new Date(this.lastDbNow - TAKE_MARGIN_MS).toISOString();
    const { snapshot, takes, dbNow } = await countJobs(this.options.pool, since);
    if (dbNow !== null) this.lastDbNow = dbNow;
    this.waits.add(takes);
    this.waits.prune(this.lastDbNow ?? Date.now());
    const waits = this.waits.figures();
    snapshot.totals.wait = waits.total;
    for (const t of snapshot.byTask) t.wait = waits.byTask.get(t.task) ?? null;
    for (const q of snapshot.byQueue) q.wait = waits.byQueue.get(q.queue) ?? null;
    return snapshot;
  }

  private tick(): Promise<void> {
    const run = (async () => {
      let delay = this.options.minIntervalMs ?? 1000;
      try {
        const snapshot = await this.count();
        this.latest = snapshot;
        this.failures = 0;
        if (!this.stopped) this.options.onSnapshot(snapshot);
        // Keep counting to at most ~10% of the database's time.
        delay = Math.max(delay, snapshot.queryMs * 10);
      } catch (error) {
        delay = BACKOFF_MS[Math.min(this.failures++, BACKOFF_MS.length - 1)];
        if (!this.stopped) this.options.onError(error as Error, delay);
      } finally {
        this.inFlight = null;
        if (!this.stopped) this.timer = setTimeout(() => void this.tick(), Math.min(delay, 30_000));
      }
    })();
    this.inFlight = run;
    return run;
  }
}

import type pg from 'pg';
import type { CompanionFeedStatus } from '../../shared/model/history.ts';
import type { Db } from '../store/db.ts';
import type { LogFn } from '../logger.ts';
import { describePgError } from '../pg/pg-errors.ts';
import { AttemptCursor } from './attempt-cursor.ts';
import { firstIdAfter, lastAttemptId, probeCompanion, sameStream, type CompanionProbe } from './companion-probe.ts';
import { readPage, type AttemptsPage } from './companion-rows.ts';
import { companionStore, type CompanionStore } from './companion-store.ts';
import type { ExactAttemptsRepo, RecordedAttempt } from './exact-attempts.ts';
import { PgListener } from '../pg/pg-listener.ts';
import { ReportingPools, type ReportingPool } from './reporting-pools.ts';

/** The channel the companion notifies after each flush (payload: the highest id written). */
const ATTEMPTS_CHANNEL = 'jobdeck:attempts';

export interface CompanionReaderOptions {
  pool: pg.Pool;
  db: Db;
  connectionId: string;
  exact: ExactAttemptsRepo;
  log: LogFn;
  /** Until when the watcher had already covered this database (its last scan before this session), if ever. */
  watchedUntil: number | null;
  /** The fallback poll, for notifications missed (a lost listener) or never sent (`notifyIntervalMs: -1`). */
  pollMs?: number;
  /** Whether a pool is this console's hosted runner's (its attempts are labelled so). */
  isHostedPool?: (poolId: string) => boolean;
  /** Called with each page's new attempts inside its SQLite transaction (the usage rollups). */
  onBatch?: (recorded: RecordedAttempt[]) => void;
}

/** Rows per page, and pages per pass before the event loop and other passes get a turn. */
const PAGE_ROWS = 1_000;
const MAX_PAGES = 20;
/**
 * Passes follow notifications, but no closer than this: ten workers notify 40 times a second, and each pass has a
 * cost of its own (its queries, a SQLite transaction) beside its rows. A second keeps the history a second behind at
 * most, and measured the hosted runner's throughput 4-6% higher than 100 ms did (`npm run bench -- runner`).
 */
const MIN_GAP_MS = 1_000;
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15_000, 30_000];
/** A job that left the database waits this long past a read for the companion's account (it flushes every 250 ms). */
const SETTLE_GRACE_MS = 2_000;
/** ...and never longer than this, even while the reader catches up or fails. */
const MAX_WAIT_MS = 60_000;
/** While reading works, the catalogs are looked at again this often (the schema recreated: a new stream). */
const PROBE_EVERY_MS = 2_000;
/** Refused rows are logged one by one up to this many, then once a minute with a count. */
const LOGGED_REJECTIONS = 20;

/**
 * Reads every attempt the companion records (`jobdeck.attempts`) into the history, incrementally: woken by
 * LISTEN "jobdeck:attempts" and by a fallback poll, it reads only ids above its cursor (see AttemptCursor), in
 * pages, and writes each attempt once (ExactAttemptsRepo). It never throws at its caller: a missing schema, a
 * missing privilege or a lost database are its status, and it starts reading when the schema appears.
 */
export class CompanionReader {
  private readonly store: CompanionStore;
  private readonly listener: PgListener;
  private cursor: AttemptCursor | null = null;
  private stream: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private running: Promise<boolean> | null = null;
  private again = false;
  private failures = 0;
  private lastPassEnd = 0;
  private readonly pools: ReportingPools;
  private probe: CompanionProbe | null = null;
  private probedAt = 0;
  private lastRejectLog = 0;
  private lastUsageLog = 0;
  private unloggedRejections = 0;
  private readonly feed: CompanionFeedStatus = {
    state: 'stopped',
    message: 'Not started',
    cursor: null,
    lastReadAt: null,
    recorded: 0,
    rejected: 0,
    lastRejected: null,
  };
  /** Start of the last pass that read everything committed before it (for the watcher's deferred judgements). */
  private readUpTo = 0;
  private firstDone!: () => void;
  private readonly first = new Promise<void>((resolve) => (this.firstDone = resolve));

  constructor(private readonly options: CompanionReaderOptions) {
    this.store = companionStore(options.db, options.connectionId);
    this.pools = new ReportingPools(this.store, options.log);
    this.listener = new PgListener({ pool: options.pool, channel: ATTEMPTS_CHANNEL, onNotify: () => this.wake(), log: options.log });
  }

  start(): void {
    this.stopped = false;
    this.feed.state = 'stopped';
    this.feed.message = 'Looking for the companion’s schema (jobdeck)…';
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
    await this.listener.stop();
    this.firstDone();
    this.feed.state = 'stopped';
    this.feed.message = 'Not connected: the companion’s attempts are read while the database is connected';
  }

  /** Resolves once the first pass has ended, whatever its result. */
  firstPass(): Promise<void> {
    return this.first;
  }

  status(): CompanionFeedStatus {
    return { ...this.feed, cursor: this.cursor ? this.cursor.low.toString() : this.feed.cursor };
  }

  /** Pools that report through the companion (live, or stopped in the last hour). */
  reportingPools(): ReportingPool[] {
    return this.pools.list();
  }

  /**
   * While the companion's attempts are read (or reading them failed for a while: they will come), the end of any
   * job that leaves the database waits for its account: which worker ran a quick job is unknown (graphile-worker
   * clears locked_by), so the watcher cannot tell a reporting worker's job from another's. It costs the others a
   * few seconds' delay, never a double count.
   */
  awaitsReport(): boolean {
    return this.feed.state === 'reading' || (this.feed.state === 'error' && this.readUpTo > 0);
  }

  /**
   * Jobs that left before this time have had their chance to be reported: the watcher may judge them. A minute
   * at most, whatever the reader's trouble; an account that comes later corrects the judgement (watch_vanished).
   */
  settleBefore(now = Date.now()): number {
    if (!this.awaitsReport()) return Number.MAX_SAFE_INTEGER;
    return Math.max(this.readUpTo - SETTLE_GRACE_MS, now - MAX_WAIT_MS);
  }

  /** Reads now, until nothing is left (tests; after an action). */
  async readNow(): Promise<CompanionFeedStatus> {
    for (let i = 0; i < 10_000; i++) {
      if (this.running) await this.running;
      if (!(await this.runPass())) break;
    }
    return this.status();
  }

  /** A notification or the poll: one pass now, or one more right after the running one. */
  private wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, this.lastPassEnd + MIN_GAP_MS - Date.now());
    this.timer = setTimeout(() => void this.runPass(), wait);
    this.timer.unref();
  }

  /** Runs one pass (or joins the running one); resolves true when rows are left for another. Never rejects. */
  private runPass(): Promise<boolean> {
    if (this.running) return this.running;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const run = (async () => {
      let next = this.options.pollMs ?? 3_000;
      let more = false;
      try {
        more = await this.pass();
        if (more) next = 0;
        this.failures = 0;
      } catch (error) {
        next = BACKOFF_MS[Math.min(this.failures++, BACKOFF_MS.length - 1)];
        this.fail(error);
      } finally {
        this.running = null;
        this.lastPassEnd = Date.now();
        this.firstDone();
        if (!this.stopped) {
          if (this.again) {
            this.again = false;
            next = Math.min(next, MIN_GAP_MS);
          }
          this.timer = setTimeout(() => void this.runPass(), next);
          this.timer.unref();
        }
      }
      return more;
    })();
    this.running = run;
    return run;
  }

  /** One pass; true when rows are left for another one right away. */
  private async pass(): Promise<boolean> {
    const { pool } = this.options;
    const started = Date.now();
    // The catalogs are asked again at most every PROBE_EVERY_MS while reading works: a schema dropped or a
    // privilege revoked meanwhile makes the read itself fail, which sets the state.
    const probe =
      this.probe && this.feed.state === 'reading' && started - this.probedAt < PROBE_EVERY_MS ? this.probe : await probeCompanion(pool);
    const probed = probe !== this.probe;
    if (probed) {
      this.probe = probe;
      this.probedAt = started;
    }
    if (!probe.installed) {
      this.setState(
        'absent',
        'No companion in this database yet (no jobdeck.attempts): other workers are only watched. Workers with the jobdeck/worker preset create it, and reading starts when it appears.',
      );
      return false;
    }
    if (!probe.readable) {
      this.setState(
        'refused',
        `Role "${probe.role}" cannot read jobdeck.attempts: grant usage on schema jobdeck and select on its tables (docs/companion-schema.sql). Until then other workers are only watched.`,
      );
      return false;
    }
    // A connection of the session's pool is held for LISTEN only where there is something to hear.
    if (!this.stopped) this.listener.start();
    const cursor = await this.openCursor(probe.stream!, probed);
    let page: AttemptsPage;
    let pages = 0;
    do {
      page = await readPage(pool, cursor.unread(), PAGE_ROWS, probe.hasRawOutput);
      await this.apply(page);
      cursor.read(page.ids, page.xmax, Date.now());
      pages++;
    } while (page.ids.length === PAGE_ROWS && pages < MAX_PAGES && !this.stopped);
    if (cursor.advance(page.xmin, Date.now())) this.store.saveCursor(probe.stream!, cursor.low);
    if (probe.workersReadable) await this.pools.refreshIfDue(this.options.pool);
    const more = page.ids.length === PAGE_ROWS;
    if (!more) this.readUpTo = started;
    this.feed.lastReadAt = new Date().toISOString();
    this.setState('reading', `Reading every attempt the companion records (jobdeck.attempts, up to id ${cursor.low})`);
    return more;
  }

  /**
   * The cursor of this database's stream: the one held, else the stored one, else where the watcher's coverage
   * ends. Whenever the catalogs were asked again (`probed`), the ids are checked to reach the cursor: ids that end
   * below it started afresh (the table emptied with its sequence restarted, or a cluster created again that the
   * stream could not tell apart), and what is there now is read from the start rather than skipped.
   */
  private async openCursor(stream: string, probed: boolean): Promise<AttemptCursor> {
    const { pool, log, watchedUntil } = this.options;
    const held = this.cursor && this.stream !== null && sameStream(this.stream, stream) ? this.cursor : null;
    if (held && !probed && this.stream === stream) return held;
    const saved = this.store.cursor();
    let low = held ? held.low : saved && sameStream(saved.stream, stream) ? saved.cursor : null;
    // An empty table says nothing (retention may have emptied it): ids that came back below the cursor do.
    const last = low !== null && low > 0n ? await lastAttemptId(pool) : null;
    if (low !== null && last !== null && last > 0n && last < low) {
      log('warn', `history: jobdeck.attempts ends below the cursor (id ${low}): its ids started afresh, reading them from the start`);
      low = 0n;
    } else if (held) {
      // The same stream, now named with its incarnation (or no longer): the cursor goes on, gaps and all.
      if (this.stream !== stream) this.store.saveCursor(stream, held.low);
      this.stream = stream;
      return held;
    }
    if (low === null) low = saved || watchedUntil === null ? 0n : await firstIdAfter(pool, watchedUntil);
    const previous = this.stream ?? saved?.stream ?? null;
    if (previous !== null && !sameStream(previous, stream))
      log(
        'warn',
        'history: the jobdeck schema is not the one the cursor was for (it or its cluster was created again): reading its attempts from the start',
      );
    this.stream = stream;
    this.cursor = new AttemptCursor(low);
    this.store.saveCursor(stream, low);
    return this.cursor;
  }

  /** Writes a page's attempts (one SQLite transaction) and reports its refused rows. */
  private async apply(page: AttemptsPage): Promise<void> {
    for (const r of page.rejected) this.reject(r.id, r.reason);
    this.usageDropped(page.usageDropped);
    if (page.attempts.length === 0) return;
    const generations = await this.store.generations(this.options.pool, page.attempts);
    // Asked once per pool per page, not per row.
    const hosted = new Map<string, boolean>();
    const isHosted = this.options.isHostedPool;
    const hostedPool = (id: string): boolean => {
      let h = hosted.get(id);
      if (h === undefined) hosted.set(id, (h = isHosted?.(id) ?? false));
      return h;
    };
    const { recorded, newPools, failed } = this.store.record(
      this.options.exact,
      page.attempts,
      generations,
      (id) => this.pools.known(id),
      hostedPool,
      this.options.onBatch,
    );
    this.feed.recorded += recorded;
    for (const r of failed) this.reject(r.id, r.reason);
    this.pools.ask(newPools);
  }

  /** Usage values out of bounds were dropped (the attempts are recorded): one log line a minute at most. */
  private usageDropped(rows: AttemptsPage['usageDropped']): void {
    if (rows.length === 0) return;
    const now = Date.now();
    if (now - this.lastUsageLog < 60_000) return;
    this.lastUsageLog = now;
    const first = rows[0];
    this.options.log(
      'warn',
      `history: dropped out-of-bounds usage values of ${rows.length} attempt(s) (jobdeck.attempts row ${first.id}: ${first.fields.join(', ')}); the attempts are recorded without them`,
    );
  }

  private reject(id: bigint, reason: string): void {
    this.feed.rejected++;
    this.feed.lastRejected = `jobdeck.attempts row ${id}: ${reason}`;
    const now = Date.now();
    if (this.feed.rejected <= LOGGED_REJECTIONS) {
      this.options.log('warn', `history: refused ${this.feed.lastRejected}`);
    } else if (now - this.lastRejectLog >= 60_000) {
      this.options.log(
        'warn',
        `history: refused ${this.unloggedRejections + 1} more malformed rows of jobdeck.attempts; the last: ${this.feed.lastRejected}`,
      );
      this.lastRejectLog = now;
      this.unloggedRejections = 0;
    } else this.unloggedRejections++;
  }

  private fail(error: unknown): void {
    const e = error as { code?: string };
    if (e.code === '42501') {
      this.setState('refused', `Cannot read jobdeck.attempts: ${describePgError(error)}. Until then other workers are only watched.`);
    } else if (e.code === '42P01' || e.code === '3F000') {
      this.setState('absent', 'The companion’s schema (jobdeck) went away: other workers are only watched until it is back.');
    } else {
      const first = this.feed.state !== 'error';
      this.setState('error', `Cannot read jobdeck.attempts: ${describePgError(error)}; retrying`);
      if (first) this.options.log('warn', `history: ${this.feed.message}`);
    }
  }

  private setState(state: CompanionFeedStatus['state'], message: string): void {
    if (state !== 'reading') this.pools.clear();
    this.feed.state = state;
    this.feed.message = message;
  }
}

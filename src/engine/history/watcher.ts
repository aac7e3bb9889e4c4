import type pg from 'pg';
import type { Db } from '../store/db.ts';
import type { LogFn } from '../logger.ts';
import type { AttemptsRepo } from './attempts-repo.ts';
import { bucketApplier, type ApplyResult, type BucketApplier } from './watch-apply.ts';
import {
  CHANGED_RANGES_SQL,
  FIRST_SYNC_ROWS,
  XMIN_WINDOW,
  bucketHashSql,
  fetchBuckets,
  fetchFrom,
  firstSyncSql,
  parseRanges,
  rangeHashes,
  xid32,
  type RangesRead,
} from './watch-scan.ts';
import { BUCKET_SHIFT, bucketIds, bucketOf, type RangeDetection } from '../pg/id-ranges.ts';
import { restoreIndexes, setIndexesAside } from '../store/deferred-indexes.ts';
import { settleVanished } from './watch-settle.ts';
import { yieldToEventLoop } from './maintenance.ts';

/** Pools seen holding a job are remembered this long (history.status lists them). */
const SEEN_POOL_MS = 10 * 60_000;

export interface WatcherOptions {
  pool: pg.Pool;
  db: Db;
  connectionId: string;
  attempts: AttemptsRepo;
  classify: (message: string) => string;
  /** Whether a reporting worker may have run a job that left (see watch-apply); none without the companion. */
  awaitsReport?: (task: string) => boolean;
  /**
   * Jobs whose end waited for a reporting worker and that left before this time are judged by the watcher now:
   * the companion's reader has read everything written until then. Absent: judge them all at once.
   */
  settleBefore?: () => number;
  log: LogFn;
  /** Shortest pause between scans; it grows to 10x the scan's cost so a big table is not scanned back to back. */
  minIntervalMs?: number;
  /**
   * True when the job tables are known unchanged since a time (local ms): then a scan is skipped, as it would find
   * nothing new. Absent: every tick scans.
   */
  quietSince?: (since: number) => boolean;
  /**
   * A scan at least this often, changed or not (5 min; see the monitor's reconcileMs); and a hash pass (every row
   * hashed) at least this often, the scans between finding what changed from transaction ids (`CHANGED_RANGES_SQL`).
   */
  reconcileMs?: number;
  onScan?(scan: ScanReport): void;
  /** What each pass (not a first sync) found of every id range, handed over before the changed ranges are read. */
  onDetected?(detection: RangeDetection): void;
  /** Builds the indexes a bulk scan set aside (the engine's does it off the main thread); absent: on this thread. */
  restoreIndexes?: (table: string) => Promise<void>;
}

export interface ScanReport extends ApplyResult {
  at: number;
  ms: number;
  /**
   * How the changed ranges were found: a first sync reads them all; a hash pass hashes every row; a pass by
   * transaction ids counts each range's rows and those written since the last pass (`CHANGED_RANGES_SQL`).
   */
  detection: 'first-sync' | 'hash' | 'xmin';
  /** Of `ms`, the query that found the changed ranges (one sequential scan in Postgres; 0 for a first sync). */
  detectMs: number;
  /** Jobs in the database at the scan (the sum of the ranges' counts). */
  jobs: number;
  buckets: number;
  changedBuckets: number;
  /** Indexes of failure_attempts set aside during this scan and built after it (a bulk scan: see BULK_BUCKETS). */
  indexesSetAside: number;
}

const BACKOFF_MS = [1000, 2000, 4000, 8000, 15_000, 30_000];
/** Id ranges fetched per round trip (up to ~8k jobs): few round trips, and Postgres reads the next while SQLite writes. */
const CHUNK = 64;
/**
 * Id ranges applied per SQLite transaction (up to ~1k jobs, a few ms): better-sqlite3 is synchronous, so a
 * transaction holds the event loop; between two the loop runs (setImmediate), and a cheap call waits at most one.
 */
const APPLY_BUCKETS = 8;

/**
 * A scan this big (id ranges changed, ~128k jobs) is a first sync or a long catch-up: `failure_attempts`' secondary
 * indexes are set aside while it writes and built after (store/deferred-indexes.ts), when the table holds few
 * attempts (so reads meanwhile stay cheap and the build is bounded by what this scan adds).
 */
const BULK_BUCKETS = 1000;
const FEW_ATTEMPTS = 20_000;
/** The unique key stays: the inserts' conflict target, and every lookup by job. */
const KEPT_INDEXES = ['failure_attempts_attempt'];
const fewAttemptsKept = (db: Db) => !db.prepare(`select 1 from failure_attempts limit 1 offset ${FEW_ATTEMPTS}`).get();

/**
 * Watches one database for what other processes do to jobs: new jobs, takes, failures, reschedules and
 * disappearances. Compares per-range hashes first, then reads only the ranges that changed. On errors
 * (database unreachable) it retries with backoff; the first scan after a reconnect catches up on everything.
 */
export class DbWatcher {
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  /** Set by stop(): a scan in progress ends after its current chunk. */
  private closing = false;
  private failures = 0;
  private inFlight: Promise<void> | null = null;
  private serverVersion: number | null = null;
  private applier: BucketApplier | null = null;
  /** Pools seen holding jobs (graphile-worker's locked_by), with when: the workers this watcher sees at work. */
  private readonly pools = new Map<string, number>();
  /** When the last scan began (local ms): a later tick skips its scan while the tables are quiet since then. */
  private lastScanStart: number | null = null;
  /**
   * The snapshot xmin of the last pass that applied everything it found (txid, 64-bit), from which the next pass may
   * find changes by transaction ids; null until a hash pass has run in this process (a first sync's reads span many
   * snapshots).
   */
  private sinceXmin: bigint | null = null;
  /** When the last hash pass began (local ms). */
  private lastHashPass = -Infinity;
  /** Whether the last pass reported what it found (onDetected): not a first sync, and it did not fail. */
  private detecting = false;
  /** A pass asked for by detectNow and not begun yet: callers meanwhile share it. */
  private asked: Promise<boolean> | null = null;
  /** Called when the pass under way reports what it found, or turns out to be a first sync (detectNow). */
  private onReport: (() => void) | null = null;
  last: ScanReport | null = null;

  constructor(private readonly options: WatcherOptions) {}

  start(): void {
    this.stopped = false;
    this.closing = false;
    // Passes missed while stopped: the counts follow again from the next pass reported.
    this.detecting = false;
    // A scan asked for already (scanNow) schedules the next one when it ends.
    if (!this.inFlight) void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight?.catch(() => {});
  }

  /** Pools seen holding a job in the last minutes, with the time they were last seen. */
  seenPools(now = Date.now()): Map<string, number> {
    for (const [pool, at] of this.pools) if (now - at > SEEN_POOL_MS) this.pools.delete(pool);
    return new Map(this.pools);
  }

  /** Whether every pass is reported now (see WatcherOptions.onDetected): running, past its first sync, not failing. */
  steady(): boolean {
    return !this.stopped && this.detecting;
  }

  /**
   * A pass begun after this call, resolved as soon as it has reported what it found (true) rather than when it has
   * read and applied the changed ranges; false when it could not (not running, a first sync, a failure). Callers
   * before it begins share it.
   */
  detectNow(): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    if (this.asked) return this.asked;
    let settle!: (steady: boolean) => void;
    const asked = new Promise<boolean>((resolve) => (settle = resolve));
    this.asked = asked;
    const run = async () => {
      // A pass under way began before the asking. (Awaited once: a tick that ended without awaiting anything leaves
      // its settled promise in inFlight, so a loop until it is cleared would never end.)
      await this.inFlight?.catch(() => {});
      if (this.asked === asked) this.asked = null;
      if (this.stopped) return false;
      if (this.timer) clearTimeout(this.timer);
      const reported = new Promise<void>((resolve) => (this.onReport = resolve));
      await Promise.race([reported, this.tick(false, true)]);
      return this.steady();
    };
    run().then(settle, () => settle(false));
    return asked;
  }

  /** Scans now (tests, and right after the runner changed something) and resolves when done. */
  async scanNow(): Promise<ScanReport> {
    if (this.inFlight) await this.inFlight.catch(() => {});
    if (this.timer) clearTimeout(this.timer);
    await this.tick(true, true);
    return this.last!;
  }

  /** Whether a tick may skip its scan: one ran since the tables last changed, recently enough. */
  private canSkip(now: number): boolean {
    const since = this.lastScanStart;
    if (since === null || !this.options.quietSince) return false;
    return now - since < (this.options.reconcileMs ?? 300_000) && this.options.quietSince(since);
  }

  private tick(rethrow = false, force = false): Promise<void> {
    const run = (async () => {
      let delay = this.options.minIntervalMs ?? 1000;
      try {
        if (!force && this.canSkip(Date.now())) {
          // What waited for the companion's reader is settled whether or not the table moved.
          this.settle();
          return;
        }
        const startedAt = Date.now();
        const report = await this.scan();
        this.lastScanStart = startedAt;
        this.last = report;
        this.failures = 0;
        this.options.onScan?.(report);
        delay = Math.max(delay, report.ms * 10);
      } catch (error) {
        this.detecting = false;
        this.reported();
        delay = BACKOFF_MS[Math.min(this.failures++, BACKOFF_MS.length - 1)];
        if (this.failures === 1) this.options.log('warn', `history watcher: ${(error as Error).message}; retrying with backoff`);
        if (rethrow) throw error;
      } finally {
        this.inFlight = null;
        if (!this.stopped) this.timer = setTimeout(() => void this.tick(), Math.min(delay, 30_000));
      }
    })();
    this.inFlight = run;
    return run;
  }

  private settle(): ReturnType<typeof settleVanished> {
    const { db, attempts, connectionId, settleBefore } = this.options;
    return settleVanished(db, attempts, connectionId, settleBefore?.() ?? Number.MAX_SAFE_INTEGER, Date.now());
  }

  /**
   * One pass: find the id ranges that changed, then read them in chunks. A first sync (nothing copied yet for
   * this connection) reads every range in id order, each with its hash. Later passes find the changed ranges by
   * transaction ids (`CHANGED_RANGES_SQL`), or with a hash of every row: the first pass in this process, one at least
   * every `reconcileMs`, and when the ids cannot be trusted (the database's transaction ids went backwards, as
   * after a restore, or the last pass is too far back).
   */
  async scan(): Promise<ScanReport> {
    const { pool, db, connectionId } = this.options;
    const started = performance.now();
    const startedAt = Date.now();
    if (this.serverVersion === null) {
      const { rows } = await pool.query<{ v: number }>(`select current_setting('server_version_num')::int as v`);
      this.serverVersion = rows[0].v;
    }
    const serverVersion = this.serverVersion;
    const stored = db.prepare('select bucket, hash from watch_buckets where connection_id = ?').all(connectionId) as {
      bucket: number;
      hash: string;
    }[];
    const total: ApplyResult = { newAttempts: 0, successes: 0, removed: 0, deferred: 0 };
    /** Each range's job count as this pass found it (the report's size of the table). */
    const counts = new Map<number, number>();
    let read: () => Promise<RangesRead> | null;
    let detection: ScanReport['detection'];
    let detectMs = 0;
    let changed: number;
    let bulk: boolean;
    /** Where the next pass may look for changes from, once this one has applied everything it found. */
    let nextXmin: bigint | null = null;
    if (stored.length === 0) {
      detection = 'first-sync';
      const { rows } = await pool.query<{ first: string | null; span: string | null }>(
        `select min(id)::text as first, ((max(id) >> ${BUCKET_SHIFT}) - (min(id) >> ${BUCKET_SHIFT}) + 1)::text as span
         from graphile_worker._private_jobs`,
      );
      const sql = firstSyncSql(serverVersion);
      // From the start of the first job's range: a range's hash always covers all of it.
      let from: number | null = rows[0].first === null ? null : bucketIds(bucketOf(Number(rows[0].first)))[0];
      let limit = 0;
      read = () => {
        if (from === null) return null;
        limit = limit ? Math.min(limit * 2, FIRST_SYNC_ROWS.most) : FIRST_SYNC_ROWS.first;
        return fetchFrom(pool, sql, from, limit).then((r) => {
          from = r.next;
          for (const [bucket, hash] of r.hashes) counts.set(bucket, Number.parseInt(hash, 10));
          return r;
        });
      };
      bulk = Number(rows[0].span ?? 0) >= BULK_BUCKETS;
      changed = NaN; // known at the end: every range read
      this.sinceXmin = null;
      this.detecting = false;
      this.reported();
    } else {
      const known = new Map(stored.map((s) => [s.bucket, s.hash]));
      const found = await this.findChanged(known, counts, startedAt);
      detection = found.detection;
      detectMs = performance.now() - started;
      nextXmin = found.xmin;
      const list = found.changed;
      for (const bucket of known.keys()) if (!counts.has(bucket)) list.push(bucket);
      list.sort((a, b) => a - b);
      let i = 0;
      read = () => {
        if (i >= list.length) return null;
        const buckets = list.slice(i, (i += CHUNK));
        return fetchBuckets(pool, serverVersion, buckets).then((r) => ({ ...r, buckets, next: null }));
      };
      bulk = list.length >= BULK_BUCKETS;
      changed = list.length;
    }
    const setAside = bulk && fewAttemptsKept(db) ? setIndexesAside(db, 'failure_attempts', KEPT_INDEXES) : [];
    try {
      await this.applyChanged(read, total);
      // Only now: a pass cut short (an error, a stop) leaves its ranges to be found again by the next.
      if (!this.closing && nextXmin !== null) {
        this.sinceXmin = nextXmin;
        if (detection === 'hash') this.lastHashPass = startedAt;
      }
    } finally {
      // Built once, at the end (off the main thread where the engine can); a process that dies first builds them
      // when the store opens.
      if (setAside.length) {
        const restore = this.options.restoreIndexes ?? ((table: string) => restoreIndexes(db, table, yieldToEventLoop));
        await restore('failure_attempts');
      }
    }
    const settled = this.settle();
    total.successes += settled.successes;
    total.removed += settled.removed;
    return {
      ...total,
      at: Date.now(),
      ms: performance.now() - started,
      detection,
      detectMs,
      jobs: [...counts.values()].reduce((n, count) => n + count, 0),
      buckets: counts.size,
      changedBuckets: Number.isNaN(changed) ? counts.size : changed,
      indexesSetAside: setAside.length,
    };
  }

  /**
   * The ranges whose jobs changed since the last pass (new ranges included; `counts` gets every range's job
   * count), by transaction ids when they can be trusted, else by a hash of every row.
   */
  private async findChanged(
    known: Map<number, string>,
    counts: Map<number, number>,
    startedAt: number,
  ): Promise<{ detection: 'hash' | 'xmin'; changed: number[]; xmin: bigint }> {
    const { pool } = this.options;
    const since = this.sinceXmin;
    if (since !== null && startedAt - this.lastHashPass < (this.options.reconcileMs ?? 300_000)) {
      const { rows } = await pool.query<{ xmin: string; ranges: string | null }>(CHANGED_RANGES_SQL, [xid32(since)]);
      const xmin = BigInt(rows[0].xmin);
      // Forwards, and not so far that 32-bit ids wrapped: otherwise the counts of "touched" rows mean nothing.
      if (xmin >= since && xmin - since < XMIN_WINDOW) {
        const changed: number[] = [];
        /** Same count, rows written since: changed, or only written by a transaction that committed just before. */
        const suspects: number[] = [];
        const found = new Map<number, { jobs: number; touched: boolean }>();
        for (const [bucket, jobs, touched] of parseRanges(rows[0].ranges)) {
          const b = Number(bucket);
          const n = Number(jobs);
          counts.set(b, n);
          found.set(b, { jobs: n, touched: touched !== '0' });
          const stored = known.get(b);
          if (stored === undefined || Number.parseInt(stored, 10) !== n) changed.push(b);
          else if (touched !== '0') suspects.push(b);
        }
        this.detected({ kind: 'xmin', ranges: found, startedAt });
        if (suspects.length) {
          const hashes = await rangeHashes(pool, this.serverVersion!, suspects);
          for (const b of suspects) if (hashes.get(b) !== known.get(b)) changed.push(b);
        }
        return { detection: 'xmin', changed, xmin };
      }
    }
    const { rows } = await pool.query<{ xmin: string; ranges: string | null }>(bucketHashSql(this.serverVersion!));
    const changed: number[] = [];
    const found = new Map<number, string>();
    for (const [bucket, hash] of parseRanges(rows[0].ranges)) {
      const b = Number(bucket);
      counts.set(b, Number.parseInt(hash, 10));
      found.set(b, hash);
      if (known.get(b) !== hash) changed.push(b);
    }
    this.detected({ kind: 'hash', ranges: found, startedAt });
    return { detection: 'hash', changed, xmin: BigInt(rows[0].xmin) };
  }

  private detected(detection: RangeDetection): void {
    this.detecting = true;
    this.options.onDetected?.(detection);
    this.reported();
  }

  /** Wakes a detectNow waiting on this pass. */
  private reported(): void {
    this.onReport?.();
    this.onReport = null;
  }

  /** Reads the changed id ranges in chunks (`read`) and applies them, a few ranges per SQLite transaction. */
  private async applyChanged(read: () => Promise<RangesRead> | null, total: ApplyResult): Promise<void> {
    const { db, connectionId } = this.options;
    const apply = (this.applier ??= bucketApplier(db));
    // The next chunk is read from Postgres while this one is written to SQLite. None is begun once stop() was called:
    // the loop would not await it, and the session's pool ends meanwhile. A read begun is heard from whatever happens:
    // one that fails surfaces when awaited, and one the loop leaves behind (a stop while a chunk is written) fails
    // unheard otherwise.
    const readNext = () => {
      if (this.closing) return null;
      const reading = read();
      reading?.catch(() => {});
      return reading;
    };
    let next = readNext();
    while (next && !this.closing) {
      const { buckets, hashes, jobsOf } = await next;
      next = readNext();
      const seenAt = Date.now();
      for (let k = 0; k < buckets.length; k += APPLY_BUCKETS) {
        const part = buckets.slice(k, k + APPLY_BUCKETS);
        const jobs = jobsOf(part);
        for (const j of jobs) if (j.poolId) this.pools.set(j.poolId, seenAt);
        const r = apply(
          {
            db,
            connectionId,
            attempts: this.options.attempts,
            classify: this.options.classify,
            awaitsReport: this.options.awaitsReport,
            now: Date.now(),
          },
          part,
          jobs,
          hashes,
        );
        total.newAttempts += r.newAttempts;
        total.successes += r.successes;
        total.removed += r.removed;
        total.deferred += r.deferred;
        await yieldToEventLoop();
      }
    }
  }
}

import type pg from 'pg';
import type { RangeDetection } from '../pg/id-ranges.ts';
import { JOB_STATES } from '../../shared/model/job-state.ts';
import { MAX_RECENT_FAILURES, RECENT_FAILURES_MS, resultOf, type CountResult, type CountRow } from './count-query.ts';
import { countRanges, type RangeGroup } from './range-count-query.ts';

/** A range whose figures stop holding by time within this is counted again before the counts are put together. */
const EXPIRY_MARGIN_MS = 20_000;
/** Past this share of the ranges (and this many), one sequential scan counts them all rather than range scans. */
const WHOLE_SHARE = 0.25;
const WHOLE_MIN = 64;
const DAY_MS = 86_400_000;

interface CountedRange {
  groups: RangeGroup[];
  /** Its hash as the watcher's hash pass writes it (`count:sum`), and its job count. */
  hash: string;
  jobs: number;
  /** When a waiting job not listed as falling due reaches its run_at (the database's clock): it must be counted again. */
  validUntil: number;
}

/** How many of the sorted times are at or before `t`. */
function dueBy(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The overview's counts kept per id range of graphile-worker's jobs, so that while the jobs change, Postgres reads
 * them once: the history watcher's pass finds which ranges changed (RangeDetection, handed over by `note`), and only
 * those are counted again, by index range scans, here. Ranges no pass marked keep their figures, aged by time alone
 * (jobs falling due, listed with each range, move to Ready; a range whose next job past that list falls due is
 * counted again). The first count, and any count of more than a quarter of the ranges, is one sequential scan.
 *
 * Marks are compared with this object's own figures of a range (job count, hash), never the watcher's copy: the two
 * read a range at different moments. A mark that comes while a count is under way stays for the next one.
 */
export class RangeCounts {
  private ranges = new Map<number, CountedRange>();
  private built = false;
  /** Passes reported while a count of every range runs: compared with its figures once they are in. */
  private queued: RangeDetection[] | null = null;
  private readonly dirty = new Set<number>();
  private serverVersion: number | null = null;
  /** The database's clock minus this process's, from the last count (ms). */
  private clockOffset = 0;

  /** Whether every range has been counted: until then a count reads them all. */
  get ready(): boolean {
    return this.built;
  }

  /** Forgets everything: the next count reads every range (the watcher's passes stopped, or a count failed). */
  reset(): void {
    this.ranges = new Map();
    this.built = false;
    this.queued = null;
    this.dirty.clear();
  }

  /** A pass of the history watcher: marks the ranges whose figures it found different from these. */
  note(detection: RangeDetection): void {
    if (this.queued) this.queued.push(detection);
    else if (this.built) this.mark(detection);
  }

  private mark(d: RangeDetection): void {
    if (d.kind === 'xmin') {
      for (const [bucket, { jobs, touched }] of d.ranges) if (touched || this.ranges.get(bucket)?.jobs !== jobs) this.dirty.add(bucket);
    } else {
      for (const [bucket, hash] of d.ranges) if (this.ranges.get(bucket)?.hash !== hash) this.dirty.add(bucket);
    }
    for (const bucket of this.ranges.keys()) if (!d.ranges.has(bucket)) this.dirty.add(bucket);
  }

  /** The database's clock now, as far as this process can tell without asking. */
  dbNow(now = Date.now()): number {
    return now + this.clockOffset;
  }

  /** Whether a count would find anything new: ranges marked, or some whose figures stop holding soon. */
  pending(now = Date.now()): boolean {
    return this.dirty.size > 0 || this.expiring(this.dbNow(now)).length > 0;
  }

  private expiring(dbNow: number): number[] {
    const out: number[] = [];
    for (const [bucket, range] of this.ranges) if (range.validUntil <= dbNow + EXPIRY_MARGIN_MS) out.push(bucket);
    return out;
  }

  /**
   * Counts the marked and expiring ranges again (all of them the first time) and puts the counts together; the
   * takes are those since `since` (unix ms). On failure the marks stay.
   */
  async count(db: Pick<pg.Pool, 'query'>, since: number): Promise<CountResult> {
    const startedAt = Date.now();
    const started = performance.now();
    if (this.serverVersion === null) {
      const { rows } = await db.query<{ v: number }>(`select current_setting('server_version_num')::int as v`);
      this.serverVersion = rows[0].v;
    }
    const wanted = this.built ? new Set([...this.dirty, ...this.expiring(this.dbNow(startedAt))]) : null;
    const whole = wanted === null || (wanted.size >= WHOLE_MIN && wanted.size > this.ranges.size * WHOLE_SHARE);
    let dbNow: number | null;
    if (whole) {
      this.queued = [];
      this.dirty.clear();
      try {
        const counted = await countRanges(db, this.serverVersion, null);
        this.ranges = new Map();
        this.put(counted.groups);
        this.built = true;
        dbNow = counted.dbNow;
        for (const d of this.queued) this.mark(d);
      } finally {
        this.queued = null;
      }
    } else {
      const buckets = [...wanted];
      this.dirty.clear();
      try {
        const counted = await countRanges(db, this.serverVersion, buckets);
        for (const bucket of buckets) this.ranges.delete(bucket);
        this.put(counted.groups);
        dbNow = counted.dbNow;
      } catch (error) {
        for (const bucket of buckets) this.dirty.add(bucket);
        throw error;
      }
    }
    if (dbNow !== null) this.clockOffset = dbNow - startedAt;
    const queues = await this.queueLocks(db);
    const queryMs = Math.round(performance.now() - started);
    const result = this.assemble(dbNow ?? this.dbNow(startedAt), since, new Date(startedAt).toISOString(), queryMs, queues);
    result.snapshot.rangesRead = whole ? this.ranges.size : wanted.size;
    return result;
  }

  private put(groups: RangeGroup[]): void {
    const sums = new Map<number, bigint>();
    for (const g of groups) {
      let range = this.ranges.get(g.bucket);
      if (!range) this.ranges.set(g.bucket, (range = { groups: [], hash: '', jobs: 0, validUntil: Infinity }));
      range.groups.push(g);
      range.jobs += g.jobs;
      if (g.beyondAt !== null) range.validUntil = Math.min(range.validUntil, g.beyondAt);
      sums.set(g.bucket, (sums.get(g.bucket) ?? 0n) + g.hashSum);
    }
    for (const [bucket, sum] of sums) {
      const range = this.ranges.get(bucket)!;
      range.hash = `${range.jobs}:${sum}`;
    }
  }

  /** Each queue's lock, read now: a queue is locked and unlocked with its jobs, but in ranges counted at other times. */
  private async queueLocks(db: Pick<pg.Pool, 'query'>): Promise<Map<number, string | null | undefined>> {
    const ids = new Set<number>();
    for (const range of this.ranges.values()) for (const g of range.groups) if (g.queueId !== null) ids.add(g.queueId);
    if (ids.size === 0) return new Map();
    const { rows } = await db.query<{ id: number; locked: boolean; locked_by: string | null }>(
      `select id, locked_at is not null as locked, locked_by from graphile_worker._private_job_queues where id = any($1::int[])`,
      [[...ids]],
    );
    // undefined: not locked; null: locked by no one named.
    return new Map(rows.filter((r) => r.locked).map((r) => [r.id, r.locked_by]));
  }

  /** The ranges' figures merged per task, queue and holding pool, as they stand at `dbNow`, in the count's form. */
  private assemble(
    dbNow: number,
    since: number,
    at: string,
    queryMs: number,
    queueLocks: Map<number, string | null | undefined>,
  ): CountResult {
    interface Merged {
      row: CountRow;
      oldestAt: number | null;
      newestAt: number | null;
      locked: string[];
      failedIds: bigint;
      failedRuns: bigint;
      recent: string[];
      soonReady: number[];
      soonRetry: number[];
    }
    const merged = new Map<string, Merged>();
    let validUntil = dbNow + DAY_MS;
    const recentFrom = dbNow - RECENT_FAILURES_MS;
    for (const range of this.ranges.values()) {
      validUntil = Math.min(validUntil, range.validUntil);
      for (const g of range.groups) {
        const key = `${g.taskId}/${g.queueId ?? ''}/${g.lockedBy === null ? '-' : `=${g.lockedBy}`}`;
        let m = merged.get(key);
        if (!m) {
          const row = {
            task: g.task,
            queue: g.queue,
            queue_locked: g.queueId === null ? null : queueLocks.has(g.queueId),
            queue_locked_by: g.queueId === null ? null : (queueLocks.get(g.queueId) ?? null),
            locked_by: g.lockedBy,
            ...Object.fromEntries(JOB_STATES.map((s) => [s, 0])),
            due_retries: 0,
            parked_new: 0,
            parked_retries: 0,
            oldest_due_ms: null,
            newest_lock_ms: null,
            locked: null,
            failed_print: null,
            failed_new: null,
            failed_new_n: 0,
            soon_ready: '',
            soon_retry: '',
            db_now: dbNow,
          } as CountRow;
          m = { row, oldestAt: null, newestAt: null, locked: [], failedIds: 0n, failedRuns: 0n, recent: [], soonReady: [], soonRetry: [] };
          merged.set(key, m);
        }
        const { row } = m;
        for (const s of JOB_STATES) row[s] += g.states[s];
        row.due_retries += g.dueRetries;
        row.parked_new += g.parkedNew;
        row.parked_retries += g.parkedRetries;
        // What fell due since the range was counted: the state rule compares run_at with now().
        const fellReady = dueBy(g.soonReady, dbNow);
        const fellRetries = dueBy(g.soonRetry, dbNow);
        row.ready += fellReady;
        row.scheduled -= fellReady;
        row.due_retries += fellRetries;
        for (const t of [g.oldestDueAt, fellReady ? g.soonReady[0] : null, fellRetries ? g.soonRetry[0] : null])
          if (t !== null) m.oldestAt = m.oldestAt === null ? t : Math.min(m.oldestAt, t);
        if (g.newestLockAt !== null) m.newestAt = m.newestAt === null ? g.newestLockAt : Math.max(m.newestAt, g.newestLockAt);
        if (g.locked) m.locked.push(g.locked);
        m.failedIds += g.failedIds;
        m.failedRuns += g.failedRuns;
        // Failures older than the window leave the list; a list cut at its bound stays short of its count.
        const recent = g.recent.filter((entry) => failedAtOf(entry) >= recentFrom);
        m.recent.push(...recent);
        row.failed_new_n += g.recent.length < g.recentN ? g.recentN : recent.length;
        for (let i = fellReady; i < g.soonReady.length; i++) m.soonReady.push(g.soonReady[i]);
        for (let i = fellRetries; i < g.soonRetry.length; i++) m.soonRetry.push(g.soonRetry[i]);
      }
    }
    const ascending = (a: number, b: number) => a - b;
    const rows = [...merged.values()].map((m) => {
      const { row } = m;
      row.oldest_due_ms = m.oldestAt === null ? null : dbNow - m.oldestAt;
      row.newest_lock_ms = m.newestAt === null ? null : dbNow - m.newestAt;
      row.locked = m.locked.length ? m.locked.join(',') : null;
      row.failed_print = row.failed > 0 ? `${m.failedIds}/${m.failedRuns}` : null;
      row.failed_new = m.recent.length ? m.recent.slice(0, MAX_RECENT_FAILURES) : null;
      row.soon_ready = m.soonReady.sort(ascending).join(',');
      row.soon_retry = m.soonRetry.sort(ascending).join(',');
      return row;
    });
    const result = resultOf(rows, { at, queryMs, since, horizonMs: Math.max(0, validUntil - dbNow) });
    result.dbNow = dbNow;
    return result;
  }
}

/** The failure time of a recent failure's entry ('id:failed at ms[:head]'). */
function failedAtOf(entry: string): number {
  const a = entry.indexOf(':');
  const b = entry.indexOf(':', a + 1);
  return Number(b < 0 ? entry.slice(a + 1) : entry.slice(a + 1, b));
}

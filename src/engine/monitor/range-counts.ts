import type pg from 'pg';
import type { RangeDetection } from '../pg/id-ranges.ts';
import { resultOf, type CountResult } from './count-query.ts';
import { countRanges, type RangeGroup } from './range-count-query.ts';
import { RangeTotals } from './range-totals.ts';

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

/**
 * The overview's counts kept per id range of graphile-worker's jobs, so that while the jobs change, Postgres reads
 * them once: the history watcher's pass finds which ranges changed (RangeDetection, handed over by `note`), and only
 * those are counted again, by index range scans, here. Ranges no pass marked keep their figures, aged by time alone
 * (jobs falling due, listed with each range, move to Ready; a range whose next job past that list falls due is
 * counted again). The first count, and any count of more than a quarter of the ranges (and at least WHOLE_MIN), is
 * one sequential scan.
 *
 * Marks are compared with this object's own figures of a range (job count, hash), never the watcher's copy: the two
 * read a range at different moments. A mark that comes while a count is under way stays for the next one.
 */
export class RangeCounts {
  private ranges = new Map<number, CountedRange>();
  /** The ranges' groups merged as the full count groups them. */
  private readonly totals = new RangeTotals();
  private built = false;
  /** Passes reported while a count runs: compared with its figures once they are in. */
  private queued: RangeDetection[] | null = null;
  /** Bumped by reset(): a count begun before it leaves what it read. */
  private generation = 0;
  /** Local time before which every committed change is in these figures (the last pass marked, or a whole count). */
  private coveredAt = -Infinity;
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
    this.generation++;
    this.ranges = new Map();
    this.totals.clear();
    this.built = false;
    this.queued = null;
    this.dirty.clear();
    this.coveredAt = -Infinity;
  }

  /** A pass of the history watcher: marks the ranges whose figures it found different from these. */
  note(detection: RangeDetection): void {
    if (this.queued) this.queued.push(detection);
    else if (this.built) this.mark(detection);
  }

  private mark(d: RangeDetection): void {
    this.coveredAt = Math.max(this.coveredAt, d.startedAt);
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
   * Counts the marked and expiring ranges again (all of them the first time, or past a quarter of them and
   * WHOLE_MIN) and puts the counts together; the takes are those since `since` (unix ms). On failure the marks stay
   * (a failed count of every range leaves the next to count every range again).
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
    // Read beside the ranges (another connection of the pool); a failure surfaces when awaited below.
    const locks = this.queueLocks(db);
    locks.catch(() => {});
    // Marks taken now; passes reported meanwhile are compared with what this count finds, once it is in.
    const buckets = wanted === null || whole ? null : [...wanted];
    const asOf = buckets === null ? startedAt : this.coveredAt;
    const taken = [...this.dirty];
    this.dirty.clear();
    const queued: RangeDetection[] = [];
    this.queued = queued;
    const generation = this.generation;
    let counted: Awaited<ReturnType<typeof countRanges>>;
    try {
      counted = await countRanges(db, this.serverVersion, buckets);
    } catch (error) {
      if (generation === this.generation) {
        this.queued = null;
        // A count of every range took every mark with it: only another can make up for them.
        if (buckets === null) this.built = false;
        else for (const bucket of taken) this.dirty.add(bucket);
        if (this.built) for (const d of queued) this.mark(d);
      }
      throw error;
    }
    if (generation !== this.generation) throw new Error('The counts were reset while the jobs were being counted');
    this.queued = null;
    if (buckets === null) {
      this.ranges = new Map();
      this.totals.clear();
      this.built = true;
      this.coveredAt = Math.max(this.coveredAt, startedAt);
    } else {
      for (const bucket of buckets) {
        for (const g of this.ranges.get(bucket)?.groups ?? []) this.totals.remove(g);
        this.ranges.delete(bucket);
      }
    }
    this.put(counted.groups);
    for (const d of queued) this.mark(d);
    const dbNow = counted.dbNow;
    if (dbNow !== null) this.clockOffset = dbNow - startedAt;
    const queues = await locks;
    const queryMs = Math.round(performance.now() - started);
    const at = dbNow ?? this.dbNow(startedAt);
    let validUntil = Infinity;
    for (const range of this.ranges.values()) validUntil = Math.min(validUntil, range.validUntil);
    const result = resultOf(this.totals.rows(at, queues), {
      // As of the last pass taken in, not of this count's start: what a reader may take as holding every change
      // committed before it (a snapshot stamped later read as fresh, yet missed jobs added since that pass).
      at: new Date(asOf).toISOString(),
      queryMs,
      since,
      horizonMs: Math.max(0, Math.min(validUntil - at, DAY_MS)),
    });
    result.dbNow = at;
    result.asOf = asOf;
    result.snapshot.rangesRead = buckets === null ? this.ranges.size : buckets.length;
    return result;
  }

  private put(groups: RangeGroup[]): void {
    const sums = new Map<number, bigint>();
    for (const g of groups) {
      let range = this.ranges.get(g.bucket);
      if (!range) this.ranges.set(g.bucket, (range = { groups: [], hash: '', jobs: 0, validUntil: Infinity }));
      range.groups.push(g);
      this.totals.add(g);
      range.jobs += g.jobs;
      if (g.beyondAt !== null) range.validUntil = Math.min(range.validUntil, g.beyondAt);
      sums.set(g.bucket, (sums.get(g.bucket) ?? 0n) + g.hashSum);
    }
    for (const [bucket, sum] of sums) {
      const range = this.ranges.get(bucket)!;
      range.hash = `${range.jobs}:${sum}`;
    }
  }

  /**
   * The locked queues and their holders, read with each count: a queue is locked and unlocked with its jobs, but in
   * ranges counted at other times. Few (a queue is locked only while one of its jobs runs), so all are read.
   */
  private async queueLocks(db: Pick<pg.Pool, 'query'>): Promise<Map<number, string | null>> {
    const { rows } = await db.query<{ id: number; locked_by: string | null }>(
      'select id, locked_by from graphile_worker._private_job_queues where locked_at is not null',
    );
    return new Map(rows.map((r) => [r.id, r.locked_by]));
  }
}

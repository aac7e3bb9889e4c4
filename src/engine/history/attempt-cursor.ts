/**
 * Where the reader of `jobdeck.attempts` is, safe against ids that commit out of order.
 *
 * Ids are taken when a row is inserted, so two workers flushing at once can commit id 12 after id 15: a reader
 * that only kept `id > 15` would never see 12. This cursor keeps `low` (every id up to it is read, or belongs to a
 * transaction that never committed) and the ids above it already read (`done`), which the next page skips.
 *
 * After each page it notes a checkpoint: the highest id read so far and the page's snapshot. Every id at or below
 * that highest id was taken before the snapshot, so one that was not visible then belonged to a transaction still
 * in flight, which had an xid below the snapshot's xmax. Once the oldest running transaction (a later xmin) is at or
 * past that xmax, all of those have ended, and `low` moves up to the checkpoint. A checkpoint must also be a second
 * old (a transaction gets its xid just after taking its first id), and one older than a minute is taken as safe
 * whatever runs (an unrelated long transaction would otherwise hold `low` back for good). The ids skipped are
 * bounded: past MAX_DONE, `low` moves to the newest checkpoint.
 */

interface Checkpoint {
  maxId: bigint;
  xmax: bigint;
  at: number;
}

const MIN_AGE_MS = 1_000;
const MAX_AGE_MS = 60_000;
const MAX_DONE = 50_000;

export class AttemptCursor {
  private readonly done = new Set<bigint>();
  private checkpoints: Checkpoint[] = [];
  private maxSeen: bigint;

  constructor(private lowId: bigint) {
    this.maxSeen = lowId;
  }

  /** Every id up to this one is read (what is stored between runs). */
  get low(): bigint {
    return this.lowId;
  }

  /** Ids above `low` already read: the next page skips them. */
  skip(): bigint[] {
    return [...this.done];
  }

  /** A page was read: its ids (good and refused alike) are done, and its snapshot is noted. */
  read(ids: bigint[], xmax: bigint, now: number): void {
    for (const id of ids) {
      if (id <= this.lowId) continue;
      this.done.add(id);
      if (id > this.maxSeen) this.maxSeen = id;
    }
    const last = this.checkpoints[this.checkpoints.length - 1];
    if (last && last.maxId === this.maxSeen) return;
    if (this.maxSeen > this.lowId) this.checkpoints.push({ maxId: this.maxSeen, xmax, at: now });
  }

  /**
   * Moves `low` past the checkpoints whose transactions have all ended (`xmin` of a snapshot taken now).
   * Returns true when it moved.
   */
  advance(xmin: bigint, now: number): boolean {
    const before = this.lowId;
    const overfull = this.done.size > MAX_DONE;
    while (this.checkpoints.length) {
      const cp = this.checkpoints[0];
      const age = now - cp.at;
      const safe = (xmin >= cp.xmax && age >= MIN_AGE_MS) || age >= MAX_AGE_MS || overfull;
      if (!safe) break;
      if (cp.maxId > this.lowId) this.lowId = cp.maxId;
      this.checkpoints.shift();
    }
    if (this.lowId === before) return false;
    for (const id of this.done) if (id <= this.lowId) this.done.delete(id);
    return true;
  }
}

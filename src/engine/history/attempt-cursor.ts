/**
 * Where the reader of `jobdeck.attempts` is, safe against ids that commit out of order.
 *
 * Ids are taken when a row is inserted, so two workers flushing at once can commit id 12 after id 15: a reader
 * that only kept `id > 15` would never see 12. This cursor keeps `low` (every id up to it is read, or belongs to a
 * transaction that never committed), the highest id read (`maxSeen`), and the ids between the two not read yet
 * (`gaps`, as ranges): the next page reads what is above, and what is in the gaps. Gaps are usually few (ids of
 * flushes in flight or rolled back; a jump in ids, after deleted rows or a moved sequence, is one gap), where the
 * ids already read above `low` are thousands while workers write fast: a page used to send those and have
 * Postgres skip them one by one.
 *
 * After each page it notes a checkpoint: the highest id read so far and the page's snapshot. Every id at or below
 * that highest id was taken before the snapshot, so one that was not visible then belonged to a transaction still
 * in flight, which had an xid below the snapshot's xmax. Once the oldest running transaction (a later xmin) is at or
 * past that xmax, all of those have ended, and `low` moves up to the checkpoint. A checkpoint must also be a second
 * old (a transaction gets its xid just after taking its first id), and one older than a minute is taken as safe
 * whatever runs (an unrelated long transaction would otherwise hold `low` back for good). The gaps are bounded:
 * past MAX_GAPS ranges at the end of a pass, `low` moves to the newest checkpoint (as it did past as many ids read).
 */

interface Checkpoint {
  maxId: bigint;
  xmax: bigint;
  at: number;
}

/** Ids not read yet, from `first` to `last` (inclusive). */
export interface IdGap {
  first: bigint;
  last: bigint;
}

const MIN_AGE_MS = 1_000;
const MAX_AGE_MS = 60_000;
const MAX_GAPS = 50_000;

export class AttemptCursor {
  /** Ids in (low, maxSeen] not read yet: ascending, disjoint, never empty ranges. */
  private gaps: IdGap[] = [];
  private checkpoints: Checkpoint[] = [];
  private maxSeen: bigint;

  constructor(private lowId: bigint) {
    this.maxSeen = lowId;
  }

  /** Every id up to this one is read (what is stored between runs). */
  get low(): bigint {
    return this.lowId;
  }

  /** What the next page reads: every id above `above`, and the ids in `gaps` (all of them above `low`). */
  unread(): { above: bigint; gaps: readonly IdGap[] } {
    return { above: this.maxSeen, gaps: [...this.gaps] };
  }

  /** A page was read: its ids (good and refused alike) are done, and its snapshot is noted. */
  read(ids: bigint[], xmax: bigint, now: number): void {
    for (const id of ids) {
      if (id <= this.lowId) continue;
      if (id > this.maxSeen) {
        if (id > this.maxSeen + 1n) this.gaps.push({ first: this.maxSeen + 1n, last: id - 1n });
        this.maxSeen = id;
      } else this.fill(id);
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
    const overfull = this.gaps.length > MAX_GAPS;
    while (this.checkpoints.length) {
      const cp = this.checkpoints[0];
      const age = now - cp.at;
      const safe = (xmin >= cp.xmax && age >= MIN_AGE_MS) || age >= MAX_AGE_MS || overfull;
      if (!safe) break;
      if (cp.maxId > this.lowId) this.lowId = cp.maxId;
      this.checkpoints.shift();
    }
    if (this.lowId === before) return false;
    const low = this.lowId;
    this.gaps = this.gaps.filter((g) => g.last > low);
    if (this.gaps.length && this.gaps[0].first <= low) this.gaps[0] = { first: low + 1n, last: this.gaps[0].last };
    return true;
  }

  /** An id read inside a gap (a late commit): the gap shrinks or splits. */
  private fill(id: bigint): void {
    let lo = 0;
    let hi = this.gaps.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const g = this.gaps[mid];
      if (id < g.first) hi = mid - 1;
      else if (id > g.last) lo = mid + 1;
      else {
        const parts: IdGap[] = [];
        if (g.first < id) parts.push({ first: g.first, last: id - 1n });
        if (id < g.last) parts.push({ first: id + 1n, last: g.last });
        this.gaps.splice(mid, 1, ...parts);
        return;
      }
    }
    // Not in a gap: read before (a page can return an id twice only if a row changed id; nothing to do).
  }
}

import type { WaitFigures } from '../../shared/model/overview.ts';

/** One take the monitor saw: a job locked at one of its counts, and how long it had waited (locked_at - run_at). */
export interface Take {
  jobId: string;
  task: string;
  queue: string | null;
  /** locked_at, unix ms (the database's clock). */
  at: number;
  waitMs: number;
}

/** The window the wait percentiles cover. */
export const WAIT_WINDOW_MS = 60 * 60_000;
/** Takes kept at most (the oldest go first): bounds memory and the per-count sort on a busy database. */
const MAX_TAKES = 20_000;

/** Nearest-rank percentile of sorted values (the Failures view's processing-time p95 is the same rank, read from histograms). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

function figures(waits: number[]): WaitFigures {
  waits.sort((a, b) => a - b);
  return { samples: waits.length, p50Ms: Math.round(percentile(waits, 0.5)), p95Ms: Math.round(percentile(waits, 0.95)) };
}

/**
 * The takes of the last hour, per monitor (one per connection), in memory. graphile-worker keeps no record of
 * when a job was taken once it has finished (a success deletes it, a failure moves run_at), so the waits are
 * those of the takes the monitor saw: jobs still locked at a count. A job that ran for less than the count
 * period may be missed, which samples the takes; it does not bias the waits themselves.
 */
export class WaitSamples {
  private takes: Take[] = [];
  private seen = new Set<string>();

  /** Adds the takes not seen before (a job stays locked over several counts; a retry is a new take). */
  add(takes: Iterable<Take>): void {
    for (const t of takes) {
      const key = `${t.jobId}@${t.at}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.takes.push(t);
    }
    if (this.takes.length > MAX_TAKES) this.drop(this.takes.length - MAX_TAKES);
  }

  /** Forgets takes older than the window, measured from `now` (the database's clock). */
  prune(now: number): void {
    const from = now - WAIT_WINDOW_MS;
    if (!this.takes.some((t) => t.at < from)) return;
    for (const t of this.takes) if (t.at < from) this.seen.delete(`${t.jobId}@${t.at}`);
    this.takes = this.takes.filter((t) => t.at >= from);
  }

  /** Drops the oldest `n` takes. */
  private drop(n: number): void {
    this.takes.sort((a, b) => a.at - b.at);
    for (const t of this.takes.slice(0, n)) this.seen.delete(`${t.jobId}@${t.at}`);
    this.takes = this.takes.slice(n);
  }

  /** Percentiles over the window, overall and per task and per named queue. */
  figures(): { total: WaitFigures | null; byTask: Map<string, WaitFigures>; byQueue: Map<string, WaitFigures> } {
    const byTask = new Map<string, number[]>();
    const byQueue = new Map<string, number[]>();
    const all: number[] = [];
    const push = (m: Map<string, number[]>, k: string, v: number) => {
      const list = m.get(k);
      if (list) list.push(v);
      else m.set(k, [v]);
    };
    for (const t of this.takes) {
      all.push(t.waitMs);
      push(byTask, t.task, t.waitMs);
      if (t.queue !== null) push(byQueue, t.queue, t.waitMs);
    }
    const map = (m: Map<string, number[]>) => new Map([...m].map(([k, v]) => [k, figures(v)]));
    return { total: all.length ? figures(all) : null, byTask: map(byTask), byQueue: map(byQueue) };
  }
}

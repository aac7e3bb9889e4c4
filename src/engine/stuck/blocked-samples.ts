import type pg from 'pg';
import { waitingBehind, type QueueLockRow, type WaitingJob } from './queries.ts';

/** While the tables change, a blocked queue's first jobs are read again after this long, whatever else moved. */
const REUSE_MS = 30_000;

interface SampleRead {
  jobs: WaitingJob[];
  /** The lock and the number waiting when read. */
  lockedAt: number;
  waiting: number;
  startedAt: number;
}

/**
 * The first jobs waiting behind blocked queues (one pass over the jobs: there is no index on job_queue_id), kept
 * per queue while its lock and the number waiting behind it stay the same: jobs behind a lock cannot be taken, so
 * they change only when jobs are added or removed, or by an edit (a priority, a run_at), which REUSE_MS bounds.
 */
export class BlockedSamples {
  private readonly samples = new Map<string, SampleRead>();

  async get(
    db: Pick<pg.Pool, 'query'>,
    queues: readonly (QueueLockRow & { waiting: number })[],
    quietSince: (since: number) => boolean,
    now = Date.now(),
  ): Promise<Map<string, WaitingJob[]>> {
    const reread = queues.filter((q) => {
      const s = this.samples.get(q.queue);
      const same = s && s.lockedAt === q.locked_at.getTime() && s.waiting === q.waiting;
      return q.waiting > 0 && !(same && (now - s.startedAt < REUSE_MS || quietSince(s.startedAt)));
    });
    if (reread.length) {
      const startedAt = Date.now();
      const read = await waitingBehind(
        db,
        reread.map((q) => q.queue),
      );
      for (const q of reread)
        this.samples.set(q.queue, { jobs: read.get(q.queue) ?? [], lockedAt: q.locked_at.getTime(), waiting: q.waiting, startedAt });
    }
    const blocked = new Set(queues.map((q) => q.queue));
    for (const queue of this.samples.keys()) if (!blocked.has(queue)) this.samples.delete(queue);
    return new Map(queues.map((q) => [q.queue, q.waiting > 0 ? (this.samples.get(q.queue)?.jobs ?? []) : []]));
  }
}

import type pg from 'pg';

/**
 * Named queue ids to names. The runner's job events carry only `job_queue_id`; the name is read once per
 * queue, and rows written before the answer came are filled in afterwards.
 */
export class QueueNames {
  private readonly names = new Map<number, string>();
  private readonly waiting = new Map<number, ((name: string) => void)[]>();

  /** The name when known; otherwise null now and `onLate(name)` once it is read. */
  name(queueId: number | null, pool: pg.Pool, onLate: (name: string) => void): string | null {
    if (queueId === null) return null;
    const known = this.names.get(queueId);
    if (known !== undefined) return known;
    const waiting = this.waiting.get(queueId);
    if (waiting) {
      waiting.push(onLate);
      return null;
    }
    this.waiting.set(queueId, [onLate]);
    pool
      .query<{ queue_name: string }>('select queue_name from graphile_worker._private_job_queues where id = $1', [queueId])
      .then(({ rows }) => {
        if (!rows[0]) return;
        this.names.set(queueId, rows[0].queue_name);
        for (const fill of this.waiting.get(queueId) ?? []) fill(rows[0].queue_name);
      })
      .catch(() => {})
      .finally(() => this.waiting.delete(queueId));
    return null;
  }
}

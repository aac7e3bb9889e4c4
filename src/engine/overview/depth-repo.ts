import { depthSampleOf, type DepthSample, type OverviewSnapshot } from '../../shared/model/overview.ts';
import type { Db } from '../store/db.ts';

/** Queue depth samples per connection, for the depth-over-time chart. */
export function depthRepo(db: Db) {
  const insert = db.prepare(
    `insert or replace into depth_samples (connection_id, at, ready, scheduled, running, retrying, failed, paused)
     values (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return {
    record(connectionId: string, s: OverviewSnapshot): void {
      const d = depthSampleOf(s.at, s.totals);
      insert.run(connectionId, Date.parse(s.at), d.ready, d.scheduled, d.running, d.retrying, d.failed, d.paused);
    },
    /**
     * Samples of the last `minutes`, averaged into at most ~`points` buckets so a 30-day range stays a
     * light chart.
     */
    range(connectionId: string, minutes: number, points = 240): DepthSample[] {
      const since = Date.now() - minutes * 60_000;
      const bucket = Math.max(1, Math.floor((minutes * 60_000) / points));
      const rows = db
        .prepare(
          `select (at / cast(@bucket as integer)) * @bucket as at, round(avg(ready)) as ready, round(avg(scheduled)) as scheduled,
                  round(avg(running)) as running, round(avg(retrying)) as retrying, round(avg(failed)) as failed,
                  round(avg(paused)) as paused
           from depth_samples where connection_id = @connectionId and at >= @since
           group by at / cast(@bucket as integer) order by 1`,
        )
        .all({ bucket, connectionId, since }) as (Omit<DepthSample, 'at'> & { at: number })[];
      return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
    },
    prune(olderThanMs: number): number {
      return db.prepare('delete from depth_samples where at < ?').run(Date.now() - olderThanMs).changes;
    },
  };
}
export type DepthRepo = ReturnType<typeof depthRepo>;

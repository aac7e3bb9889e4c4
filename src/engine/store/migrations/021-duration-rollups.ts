import type { Migration } from './index.ts';

/**
 * Run durations as histograms per task and slot (see history/duration-buckets.ts): the summary's avg and p95 read
 * these rows instead of sorting every run of the window in job_attempts. Each run is counted once per slot width
 * (`span`: 1, 15 and 120 minutes). The runs recorded before are counted in the background, in chunks of ids
 * (history/duration-backfill.ts): done here, a big history (up to 14 days of runs) would hold the first start for
 * minutes. `duration_backfill` says how far it got: ids up to `done` are counted, up to `up_to` are to be.
 */
export const durationRollups: Migration = {
  id: 21,
  name: 'duration-rollups',
  sql: `
    create table duration_rollups (
      connection_id text not null,
      span integer not null,        -- slot width in minutes: 1, 15 or 120
      slot integer not null,        -- unix minutes of the runs' ends / span
      task text not null,
      bucket integer not null,      -- durations in (2^((bucket-1)/8), 2^(bucket/8)] ms; 0: up to 1 ms
      runs integer not null,
      total_ms real not null,
      min_ms real not null,
      max_ms real not null,
      primary key (connection_id, span, slot, task, bucket)
    ) without rowid;

    create table duration_backfill (up_to integer not null, done integer not null);
    insert into duration_backfill (up_to, done) select max(id), 0 from job_attempts having max(id) is not null;
  `,
};

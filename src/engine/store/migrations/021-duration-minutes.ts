import type { Migration } from './index.ts';

/**
 * Run durations per task and minute as a histogram (see history/duration-buckets.ts): the summary's avg and p95 read
 * these rows instead of sorting every run of the window in job_attempts. The runs already recorded are copied in;
 * cancelled runs stay out (a cancelled run was cut short). The bucket expression is DURATION_BUCKET_SQL's.
 */
export const durationMinutes: Migration = {
  id: 21,
  name: 'duration-minutes',
  sql: `
    create table duration_minutes (
      connection_id text not null,
      task text not null,
      minute integer not null,      -- unix minutes of the runs' ends
      bucket integer not null,      -- durations in (2^((bucket-1)/8), 2^(bucket/8)] ms; 0: up to 1 ms
      runs integer not null,
      total_ms real not null,
      min_ms real not null,
      max_ms real not null,
      primary key (connection_id, minute, task, bucket)
    ) without rowid;

    insert into duration_minutes (connection_id, task, minute, bucket, runs, total_ms, min_ms, max_ms)
    select connection_id, task, finished_at / 60000,
           (case when duration_ms <= 1 then 0 else cast(ceil(log2(duration_ms) * 8) as integer) end),
           count(*), sum(duration_ms), min(duration_ms), max(duration_ms)
    from job_attempts
    where outcome <> 'cancelled'
    group by 1, 2, 3, 4;
  `,
};

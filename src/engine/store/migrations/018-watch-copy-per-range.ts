import type { Migration } from './index.ts';

/**
 * The history watcher's copy of each job moves from one `watch_jobs` row per job into one JSON text per id range
 * (128 ids), beside the range's hash (history/watch-copy.ts): the watcher always reads and replaces a range whole,
 * and a first sync of a million jobs wrote a million rows (a quarter of its time). The copy is carried over, so the
 * first scan after the upgrade still tells which jobs ended meanwhile.
 */
export const watchCopyPerRange: Migration = {
  id: 18,
  name: 'watch-copy-per-range',
  sql: `
    alter table watch_buckets add column jobs text not null default '{}';

    -- Jobs copied in a range whose hash was dropped (they came after the hash pass): their range, under a hash that
    -- matches nothing, so the next scan reads it again.
    insert into watch_buckets (connection_id, bucket, hash)
    select distinct w.connection_id, w.job_id >> 7, '' from watch_jobs w
    where not exists (select 1 from watch_buckets b where b.connection_id = w.connection_id and b.bucket = w.job_id >> 7);

    update watch_buckets set jobs = coalesce((
        select json_group_object(t.task, json(t.packed)) from (
          select w.task, json_group_array(json_array(w.job_id - watch_buckets.bucket * 128, w.attempts, w.max_attempts,
                                                     w.locked, w.error_hash, w.gone)) as packed
          from watch_jobs w
          where w.connection_id = watch_buckets.connection_id
            and w.job_id >= watch_buckets.bucket * 128 and w.job_id < (watch_buckets.bucket + 1) * 128
          group by w.task) t), '{}');

    drop table watch_jobs;
  `,
};

import type { Migration } from './index.ts';

/**
 * Failure history: every failed attempt, successes per task and minute, exact run durations of the hosted runner,
 * and the database watcher's narrow copy of each job (enough to see takes, failures and disappearance).
 */
export const history: Migration = {
  id: 3,
  name: 'history',
  sql: `
    create table failure_attempts (
      id integer primary key autoincrement,
      connection_id text not null,
      job_id integer not null,
      -- graphile-worker's updated_at (ms): unchanged by takes and failures, bumped when an admin function
      -- reschedules the job; so attempt 1 after a manual retry is a new row, not a duplicate.
      generation integer not null,
      task text not null,
      queue text,
      attempt integer not null,
      max_attempts integer,
      at integer not null,              -- unix ms
      error text not null,              -- bounded (16 KiB)
      error_type text not null,
      duration_ms integer,              -- exact from the hosted runner, null from the watcher
      pool_id text,
      source text not null check (source in ('runner', 'watch')),
      final integer not null default 0
    );
    -- One row per attempt: the runner and the watcher may both see it.
    create unique index failure_attempts_attempt on failure_attempts (connection_id, job_id, generation, attempt);
    create index failure_attempts_at on failure_attempts (connection_id, at desc, id desc);
    -- Covers the charts' aggregates (by type, by task, per bucket) so they read the index only.
    create index failure_attempts_stats on failure_attempts (connection_id, at, error_type, task);
    create index failure_attempts_type on failure_attempts (connection_id, error_type, at desc, id desc);
    create index failure_attempts_task on failure_attempts (connection_id, task, at desc, id desc);

    -- Failed attempts per 15 minutes, task and type, kept by triggers (inserts, reclassification, retention):
    -- the 24 h, 7 d and 30 d charts read these few rows instead of every attempt.
    create table failure_quarters (
      connection_id text not null,
      slot integer not null,            -- unix ms / 900000
      task text not null,
      error_type text not null,
      n integer not null,
      primary key (connection_id, slot, task, error_type)
    ) without rowid;
    create trigger failure_attempts_counted after insert on failure_attempts begin
      insert into failure_quarters (connection_id, slot, task, error_type, n)
      values (new.connection_id, new.at / 900000, new.task, new.error_type, 1)
      on conflict (connection_id, slot, task, error_type) do update set n = n + 1;
    end;
    create trigger failure_attempts_uncounted after delete on failure_attempts begin
      update failure_quarters set n = n - 1
      where connection_id = old.connection_id and slot = old.at / 900000 and task = old.task and error_type = old.error_type;
      delete from failure_quarters
      where connection_id = old.connection_id and slot = old.at / 900000 and task = old.task and error_type = old.error_type and n <= 0;
    end;
    create trigger failure_attempts_recounted after update of at, task, error_type on failure_attempts begin
      update failure_quarters set n = n - 1
      where connection_id = old.connection_id and slot = old.at / 900000 and task = old.task and error_type = old.error_type;
      delete from failure_quarters
      where connection_id = old.connection_id and slot = old.at / 900000 and task = old.task and error_type = old.error_type and n <= 0;
      insert into failure_quarters (connection_id, slot, task, error_type, n)
      values (new.connection_id, new.at / 900000, new.task, new.error_type, 1)
      on conflict (connection_id, slot, task, error_type) do update set n = n + 1;
    end;

    create table success_minutes (
      connection_id text not null,
      task text not null,
      minute integer not null,          -- unix ms / 60000
      successes integer not null,
      primary key (connection_id, minute, task)
    ) without rowid;

    -- Exact durations of the hosted runner's runs, for average and p95.
    create table run_durations (
      connection_id text not null,
      at integer not null,
      task text not null,
      duration_ms integer not null,
      ok integer not null
    );
    create index run_durations_at on run_durations (connection_id, at);

    -- The watcher's narrow copy of each job; gone = completed by the hosted runner (already counted).
    create table watch_jobs (
      connection_id text not null,
      job_id integer not null,
      task text not null,
      queue text,
      attempts integer not null,
      max_attempts integer not null,
      locked integer not null,
      error_hash integer not null,      -- FNV-1a of last_error, 0 when none: tells a new failure from a reschedule
      gone integer not null default 0,
      primary key (connection_id, job_id)
    ) without rowid;

    -- Per id range (1024 ids), the hash of what the watcher last saw there: unchanged ranges are skipped.
    create table watch_buckets (
      connection_id text not null,
      bucket integer not null,
      hash text not null,
      primary key (connection_id, bucket)
    ) without rowid;
  `,
};

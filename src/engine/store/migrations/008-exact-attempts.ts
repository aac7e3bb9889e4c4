import type { Migration } from './index.ts';

/**
 * Exact attempts: every attempt a worker reported itself (the companion's `jobdeck.attempts`, the hosted runner's
 * events), successes included, with duration and pool; where the reader of `jobdeck.attempts` is; the reporting
 * pools and their hosts; and the jobs the watcher saw leave while a reporting worker may have run them.
 * `failure_attempts` is rebuilt (SQLite cannot change a CHECK) to accept the source 'companion'.
 */
export const exactAttempts: Migration = {
  id: 8,
  name: 'exact-attempts',
  sql: `
    create table failure_attempts_v8 (
      id integer primary key autoincrement,
      connection_id text not null,
      job_id integer not null,
      generation integer not null,
      task text not null,
      queue text,
      attempt integer not null,
      max_attempts integer,
      at integer not null,
      error text not null,
      error_type text not null,
      duration_ms integer,
      pool_id text,
      source text not null check (source in ('runner', 'watch', 'companion')),
      final integer not null default 0
    );
    insert into failure_attempts_v8 (id, connection_id, job_id, generation, task, queue, attempt, max_attempts, at, error,
                                     error_type, duration_ms, pool_id, source, final)
      select id, connection_id, job_id, generation, task, queue, attempt, max_attempts, at, error,
             error_type, duration_ms, pool_id, source, final from failure_attempts;
    -- Dropping a table drops its triggers first: failure_quarters keeps its counts, which still hold.
    drop table failure_attempts;
    alter table failure_attempts_v8 rename to failure_attempts;
    create unique index failure_attempts_attempt on failure_attempts (connection_id, job_id, generation, attempt);
    create index failure_attempts_at on failure_attempts (connection_id, at desc, id desc);
    create index failure_attempts_stats on failure_attempts (connection_id, at, error_type, task);
    create index failure_attempts_type on failure_attempts (connection_id, error_type, at desc, id desc);
    create index failure_attempts_task on failure_attempts (connection_id, task, at desc, id desc);
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

    -- Every attempt a worker reported itself, whatever its outcome. One row per attempt: the identity is the job,
    -- the attempt number, the pool and the start (a manual retry runs attempt 1 again, later).
    create table job_attempts (
      id integer primary key autoincrement,
      connection_id text not null,
      job_id integer not null,
      task text not null,
      queue text,
      attempt integer not null,
      max_attempts integer not null,
      started_at integer not null,      -- unix ms
      finished_at integer not null,     -- unix ms
      duration_ms real not null,
      outcome text not null check (outcome in ('success', 'failure', 'cancelled')),
      pool_id text not null,
      source text not null check (source in ('runner', 'companion')),
      source_id integer                 -- jobdeck.attempts.id
    );
    create unique index job_attempts_identity on job_attempts (connection_id, job_id, attempt, pool_id, started_at);
    create index job_attempts_finished on job_attempts (connection_id, finished_at);

    -- Where the reader of jobdeck.attempts is: every id up to cursor is read. stream names the database and the
    -- jobdeck schema's incarnation (a schema dropped and created again starts its ids afresh).
    create table companion_cursors (
      connection_id text primary key,
      stream text not null,
      cursor integer not null,
      updated_at integer not null
    );

    -- Pools that reported through the companion (jobdeck.workers), with their host: the worker of a finished job.
    create table companion_pools (
      connection_id text not null,
      pool_id text not null,
      host text,
      pid integer,
      seen_at integer not null,
      primary key (connection_id, pool_id)
    ) without rowid;

    -- Jobs the watcher saw leave the database while a reporting worker may have run them: their end waits a short
    -- while for the companion's account (which removes the row), then is inferred as before. Kept an hour after
    -- that so that a late account corrects the inference rather than counting twice.
    create table watch_vanished (
      connection_id text not null,
      job_id integer not null,
      task text not null,
      permanently_failed integer not null,
      vanished_at integer not null,     -- unix ms
      settled text check (settled in ('success', 'removed')),
      settled_at integer,
      primary key (connection_id, job_id)
    ) without rowid;
  `,
};

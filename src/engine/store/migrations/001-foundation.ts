import type { Migration } from './index.ts';

/** Connections (secrets only as encrypted blobs), depth samples, pools of the hosted runner, job snapshots. */
export const foundation: Migration = {
  id: 1,
  name: 'foundation',
  sql: `
    create table connections (
      id text primary key,
      name text not null,
      kind text not null check (kind in ('embedded', 'postgres')),
      host text, port integer, database text, user text, params text,
      read_only integer not null default 0,
      -- encrypted with the OS keychain (Electron safeStorage); never the clear password
      secret_enc blob,
      created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );

    create table settings (key text primary key, value text not null);

    create table depth_samples (
      connection_id text not null,
      at integer not null, -- unix ms
      ready integer not null, scheduled integer not null, running integer not null,
      retrying integer not null, failed integer not null,
      primary key (connection_id, at)
    ) without rowid;

    create table runner_pools (
      pool_id text primary key,
      connection_id text not null,
      pid integer not null,
      started_at integer not null,
      stopped_at integer
    );

    -- Jobdeck's copy of a job's state at a time: survives graphile-worker deleting the job.
    create table job_snapshots (
      connection_id text not null,
      job_id integer not null,
      task text not null,
      queue text,
      state text not null,
      attempts integer not null,
      max_attempts integer not null,
      last_error text,
      run_at integer,
      locked_by text,
      created_at integer,
      seen_at integer not null,
      primary key (connection_id, job_id)
    );
    create index job_snapshots_state on job_snapshots (connection_id, state, seen_at);
  `,
};

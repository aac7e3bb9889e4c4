import type { Migration } from './index.ts';

/**
 * Retry verdicts read a job's failed attempts (by job), and circuit breakers keep their settings and state: a
 * breaker trips and resumes while Jobdeck runs, so its state is here, beside the pause it made in the database.
 */
export const verdictsBreakers: Migration = {
  id: 10,
  name: 'retry verdicts and circuit breakers',
  sql: `
    create index failure_attempts_job on failure_attempts (connection_id, job_id, at);

    create table breakers (
      connection_id text not null,
      kind text not null check (kind in ('task', 'queue')),
      name text not null,
      enabled integer not null,
      threshold_pct integer not null,   -- trips above this share of rate-limit errors among attempts
      window_minutes integer not null,
      min_attempts integer not null,
      cooldown_seconds integer not null, -- resume after this when the provider names no time
      tripped_at integer,                -- unix ms; null: closed
      resume_at integer,                 -- unix ms
      trip_reason text,
      updated_at integer not null,
      primary key (connection_id, kind, name)
    ) without rowid;
  `,
};

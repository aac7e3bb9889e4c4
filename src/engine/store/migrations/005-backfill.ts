import type { Migration } from './index.ts';

/** Backfill rules per connection, and the log of their previews and runs (the backlog chart reads it). */
export const backfill: Migration = {
  id: 5,
  name: 'backfill',
  sql: `
    create table backfill_rules (
      id text primary key,
      connection_id text not null,
      name text not null,
      spec text not null,             -- JSON BackfillRuleSpec, validated with zod when read
      schedule_minutes integer,       -- copied from spec: the crontab reads scheduled rules without parsing all
      created_at integer not null,    -- unix ms
      updated_at integer not null
    );
    create index backfill_rules_connection on backfill_rules (connection_id, name);

    create table backfill_runs (
      id integer primary key autoincrement,
      connection_id text not null,
      rule_id text not null,          -- no foreign key: removing a rule removes its runs explicitly
      at integer not null,            -- unix ms
      trigger text not null check (trigger in ('preview', 'manual', 'schedule')),
      missing integer not null, fresh integer not null, queued integer not null, running integer not null,
      failed integer not null, invalid integer not null,
      enqueued integer not null, requeued integer not null, skipped integer not null,
      duration_ms integer not null,
      error text
    );
    create index backfill_runs_rule on backfill_runs (rule_id, at);
    create index backfill_runs_connection on backfill_runs (connection_id, at);
  `,
};

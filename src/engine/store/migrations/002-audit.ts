import type { Migration } from './index.ts';

/** Every operator action: what was asked, what it touched, what it skipped and why. */
export const audit: Migration = {
  id: 2,
  name: 'audit',
  sql: `
    create table audit_log (
      id integer primary key autoincrement,
      at integer not null,            -- unix ms
      connection_id text,
      action text not null,           -- e.g. jobs.retry, stuck.unlock, backfill.run
      target text not null,           -- JSON: { ids: [...] } or { filter: {...} } or { rule: id }
      requested integer not null,
      affected integer not null,
      skipped integer not null,
      detail text,                    -- JSON: skipped ids with reasons, messages (bounded)
      actor text not null default 'operator'
    );
    create index audit_log_at on audit_log (connection_id, at desc);
  `,
};

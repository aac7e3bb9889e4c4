import type { Migration } from './index.ts';

/** Automatic recovery per connection (off unless the operator turns it on): owned by the recovery domain. */
export const autoRecovery: Migration = {
  id: 7,
  name: 'auto-recovery',
  sql: `
    create table recovery_settings (
      connection_id text primary key,
      auto_unlock_gone integer not null default 0 check (auto_unlock_gone in (0, 1)),
      updated_at integer not null  -- unix ms
    ) without rowid;
  `,
};

import type { Migration } from './index.ts';

/**
 * Alerts (issue 14.5), owned by the alerts domain: the operator's settings (one row), the state of every
 * condition being watched, the episodes (with summaries and tests) and each delivery of their messages.
 */
export const alerts: Migration = {
  id: 11,
  name: 'alerts',
  sql: `
    create table alert_settings (
      id integer primary key check (id = 1),
      settings text not null,        -- JSON: rules, desktop, quiet minutes, daily summary (validated on read)
      webhook_blob blob,             -- the webhook URL encrypted by the OS keychain; never in clear
      summary_day text,              -- the UTC day (YYYY-MM-DD) of the last daily summary sent
      updated_at integer not null    -- unix ms
    );

    create table alert_state (
      key text primary key,          -- connection, rule and subject (or a raised alert's own key)
      rule_id text,
      connection_id text,
      pending_since integer,         -- unix ms: holding since, not yet long enough (backlog "for M minutes")
      alert_id integer,              -- the open episode
      clear_since integer            -- unix ms: the open episode's condition cleared at
    ) without rowid;

    create table alerts (
      id integer primary key,
      kind text not null check (kind in ('rule', 'raised', 'summary', 'test')),
      key text not null,
      rule_id text,
      connection_id text,
      severity text not null,
      title text not null,
      body text not null,
      fields text not null,          -- JSON [{title, value}]
      state text not null check (state in ('firing', 'resolved', 'sent')),
      started_at integer not null,
      resolved_at integer,
      flaps integer not null default 0
    );
    create index alerts_firing on alerts (state) where state = 'firing';

    create table alert_deliveries (
      id integer primary key,
      alert_id integer not null references alerts (id) on delete cascade,
      message text not null check (message in ('firing', 'resolved', 'summary', 'test')),
      channel text not null check (channel in ('webhook', 'desktop')),
      target text,                   -- the webhook's origin only
      state text not null check (state in ('pending', 'sent', 'failed')),
      attempts integer not null default 0,
      detail text,
      at integer not null,
      finished_at integer
    );
    create index alert_deliveries_alert on alert_deliveries (alert_id);
  `,
};

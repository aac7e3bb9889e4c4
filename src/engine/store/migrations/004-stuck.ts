import type { Migration } from './index.ts';

/** Lock thresholds for the stuck view (per task, `*` = default), and which dead pools were already recovered. */
export const stuck: Migration = {
  id: 4,
  name: 'stuck',
  sql: `
    create table stuck_thresholds (
      connection_id text not null,
      task text not null,          -- a task identifier, or '*' for the default
      minutes integer not null check (minutes between 1 and 10080),
      primary key (connection_id, task)
    ) without rowid;

    -- Set once recovery has cleared a dead pool, so later start-ups do not look at it again.
    alter table runner_pools add column recovered_at integer;
  `,
};

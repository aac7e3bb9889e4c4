import type { Migration } from './index.ts';

/** With the pid of a runner pool's process, what tells that process apart from a later one given the same pid. */
export const processIdentity: Migration = {
  id: 12,
  name: 'process identity',
  sql: `
    -- Linux: the boot id and the process's start time in clock ticks; elsewhere the start time ps prints.
    -- Null for pools recorded before this migration: their pid alone is judged, as before.
    alter table runner_pools add column process_identity text;
  `,
};

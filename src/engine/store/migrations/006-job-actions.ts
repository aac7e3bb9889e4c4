import type { Migration } from './index.ts';

/** Who cancelled a job and when: the snapshot of a cancelled job outlives its row in graphile-worker. */
export const jobActions: Migration = {
  id: 6,
  name: 'job-actions',
  sql: `
    alter table job_snapshots add column cancelled_by text;
    alter table job_snapshots add column cancelled_at integer; -- unix ms
  `,
};

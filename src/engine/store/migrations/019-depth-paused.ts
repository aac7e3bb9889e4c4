import type { Migration } from './index.ts';

/**
 * Depth samples keep the jobs a pause parked apart from Scheduled and Waiting to retry (they wait for a resume, not
 * a time), as the overview's cards do. Samples taken before hold them in those two states, and 0 here.
 */
export const depthPaused: Migration = {
  id: 19,
  name: 'depth-paused',
  sql: `
    alter table depth_samples add column paused integer not null default 0;
  `,
};

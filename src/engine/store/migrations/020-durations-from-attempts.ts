import type { Migration } from './index.ts';

/**
 * Run durations are read from job_attempts, which holds every reported run with its duration: run_durations was a
 * second row per attempt (with its own index), written beside the first by the reader of the companion's attempts
 * at every job's end. Only runs recorded before job_attempts existed (migration 008) lose their durations.
 */
export const durationsFromAttempts: Migration = {
  id: 20,
  name: 'durations-from-attempts',
  sql: `
    drop table run_durations;
  `,
};

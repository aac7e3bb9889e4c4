import type { Migration } from './index.ts';

/**
 * The share of jobs that ended well counts final outcomes: failed attempts that left no attempt (permanently
 * failed, or cancelled). A partial index keeps that count an index-only read over any window, however many
 * failed attempts the window holds.
 */
export const finalOutcomes: Migration = {
  id: 13,
  name: 'final outcomes',
  sql: `
    create index failure_attempts_final on failure_attempts (connection_id, at, task) where final = 1;
  `,
};

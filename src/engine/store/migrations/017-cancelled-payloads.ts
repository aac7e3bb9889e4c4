import type { Migration } from './index.ts';

/**
 * A job the operator cancels leaves graphile-worker's table, payload and all: its snapshot now keeps the payload
 * (its first 16 KiB, with the whole length), so its page still shows what it was asked to do, and it can be
 * queued again from there.
 */
export const cancelledPayloads: Migration = {
  id: 17,
  name: 'cancelled-payloads',
  sql: `
    alter table job_snapshots add column payload text;
    alter table job_snapshots add column payload_length integer;
  `,
};

import type { Migration } from './index.ts';

/**
 * Secondary indexes set aside during a bulk write (store/deferred-indexes.ts): their definitions are kept here, in
 * the transaction that drops them, so that a process that dies mid-bulk gets them back at the next open.
 */
export const deferredIndexes: Migration = {
  id: 15,
  name: 'deferred-indexes',
  sql: `
    create table deferred_indexes (
      name text primary key,
      tbl text not null,
      sql text not null
    ) without rowid;
  `,
};

import { writeTransaction, type Db } from '../store/db.ts';

/**
 * Folds the failed attempts written since the last fold into `failure_quarters` (per connection, 15-minute slot,
 * task and type) with one grouped insert, and moves the mark past them (migration 014). Writers call it at the
 * end of each transaction that adds attempts; readers call it before reading the rollup, so an attempt written
 * by any path is counted exactly once. Cheap when nothing is new: one primary-key range lookup.
 * NOT INDEXED: the planner would otherwise read the whole covering index `failure_attempts_stats` to group without
 * sorting, instead of the few new rows by id (measured: a third of a first sync).
 */
export function failureRollup(db: Db) {
  const fold = db.prepare(
    `insert into failure_quarters (connection_id, slot, task, error_type, n)
     select connection_id, at / 900000, task, error_type, count(*) from failure_attempts not indexed
     where id > (select upto from failure_quarters_mark)
     group by 1, 2, 3, 4
     on conflict (connection_id, slot, task, error_type) do update set n = n + excluded.n`,
  );
  const mark = db.prepare(
    `update failure_quarters_mark set upto = (select max(id) from failure_attempts)
     where (select max(id) from failure_attempts) > upto`,
  );
  const foldAll = writeTransaction(db, () => {
    fold.run();
    mark.run();
  });
  return {
    /** Counts the attempts not yet in the rollup (in the caller's transaction when there is one). */
    fold(): void {
      foldAll();
    },
  };
}

export type FailureRollup = ReturnType<typeof failureRollup>;

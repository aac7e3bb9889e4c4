import type { Migration } from './index.ts';

/**
 * `failure_quarters` is no longer kept by a trigger per inserted attempt (a third of a first sync's time): each
 * writing transaction folds the attempts added since the last fold into it with one grouped insert
 * (history/failure-rollup.ts), and readers fold before reading. `failure_quarters_mark.upto` is the highest
 * attempt id already counted; ids only grow (AUTOINCREMENT), so the rows above it are exactly the uncounted ones.
 * Deletes and updates stay with triggers (retention and reclassification, off the hot path), but only for counted
 * rows: an uncounted row is folded as it is when its turn comes, or never if deleted first.
 * Existing data keeps its counts: every attempt present now was counted by the old trigger, so the mark starts at
 * the highest id present (or the highest ever handed out, whichever is larger).
 */
export const rollupsPerTransaction: Migration = {
  id: 14,
  name: 'rollups-per-transaction',
  sql: `
    drop trigger if exists failure_attempts_counted;
    drop trigger if exists failure_attempts_uncounted;
    drop trigger if exists failure_attempts_recounted;

    create table failure_quarters_mark (
      id integer primary key check (id = 1),
      upto integer not null
    );
    insert into failure_quarters_mark (id, upto)
      values (1, max((select coalesce(max(id), 0) from failure_attempts),
                     coalesce((select seq from sqlite_sequence where name = 'failure_attempts'), 0)));

    create trigger failure_attempts_uncounted after delete on failure_attempts
    when old.id <= (select upto from failure_quarters_mark) begin
      update failure_quarters set n = n - 1
      where connection_id = old.connection_id and slot = old.at / 900000 and task = old.task and error_type = old.error_type;
      delete from failure_quarters
      where connection_id = old.connection_id and slot = old.at / 900000 and task = old.task and error_type = old.error_type and n <= 0;
    end;
    create trigger failure_attempts_recounted after update of at, task, error_type on failure_attempts
    when old.id <= (select upto from failure_quarters_mark) begin
      update failure_quarters set n = n - 1
      where connection_id = old.connection_id and slot = old.at / 900000 and task = old.task and error_type = old.error_type;
      delete from failure_quarters
      where connection_id = old.connection_id and slot = old.at / 900000 and task = old.task and error_type = old.error_type and n <= 0;
      insert into failure_quarters (connection_id, slot, task, error_type, n)
      values (new.connection_id, new.at / 900000, new.task, new.error_type, 1)
      on conflict (connection_id, slot, task, error_type) do update set n = n + 1;
    end;
  `,
};

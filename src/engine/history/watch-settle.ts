import { writeTransaction, type Db } from '../store/db.ts';
import type { AttemptsRepo } from './attempts-repo.ts';

/** A settled vanish is kept this long, so a late account from the companion corrects it instead of counting twice. */
const KEEP_SETTLED_MS = 60 * 60_000;
const BATCH = 5_000;

/**
 * Judges the jobs whose end waited for a reporting worker's account (watch_vanished) and got none by `before`:
 * as the watcher always did, a success unless the job was permanently failed (then it was removed). Jobs the
 * companion accounted for meanwhile are no longer there. Settled rows are forgotten after an hour.
 */
export function settleVanished(
  db: Db,
  attempts: AttemptsRepo,
  connectionId: string,
  before: number,
  now: number,
): { successes: number; removed: number } {
  const due = db
    .prepare<[string, number], { job_id: number; task: string; permanently_failed: number }>(
      `select job_id, task, permanently_failed from watch_vanished
       where connection_id = ? and settled is null and vanished_at < ? limit ${BATCH}`,
    )
    .all(connectionId, before);
  const settle = db.prepare('update watch_vanished set settled = ?, settled_at = ? where connection_id = ? and job_id = ?');
  const result = { successes: 0, removed: 0 };
  writeTransaction(db, () => {
    for (const v of due) {
      if (v.permanently_failed) {
        settle.run('removed', now, connectionId, v.job_id);
        result.removed++;
      } else {
        attempts.recordSuccess(connectionId, v.task, now);
        settle.run('success', now, connectionId, v.job_id);
        result.successes++;
      }
    }
    db.prepare('delete from watch_vanished where connection_id = ? and settled is not null and settled_at < ?').run(
      connectionId,
      now - KEEP_SETTLED_MS,
    );
  })();
  return result;
}

import { writeTransaction, type Db } from '../store/db.ts';
import { DURATION_BUCKET_SQL, ROLLUP_UPSERT, SPANS } from './duration-buckets.ts';
import { yieldToEventLoop } from './maintenance.ts';

/** Runs counted per step: one short transaction (about 25 ms at 10,000: `npm run bench -- history`), then the event loop runs. */
const CHUNK = 10_000;

/**
 * Counts the runs recorded before the duration rollups existed (migration 021 noted up to which id) into them, in
 * chunks of ids, resuming where the last start stopped; runs recorded since are counted as they are written. Until
 * it ends, a window's processing time leaves out the runs not counted yet.
 */
export async function backfillDurations(db: Db, chunk = CHUNK): Promise<void> {
  const state = db.prepare('select up_to as upTo, done from duration_backfill').get() as { upTo: number; done: number } | undefined;
  if (!state) return;
  const spans = SPANS.map((span) => `select ${span} as span`).join(' union all ');
  const count = db.prepare(
    `insert into duration_rollups (connection_id, span, slot, task, bucket, runs, total_ms, min_ms, max_ms)
     select a.connection_id, s.span, (a.finished_at / 60000) / s.span, a.task, ${DURATION_BUCKET_SQL},
            count(*), sum(a.duration_ms), min(a.duration_ms), max(a.duration_ms)
     from job_attempts a cross join (${spans}) s
     where a.id > ? and a.id <= ? and a.outcome <> 'cancelled'
     group by 1, 2, 3, 4, 5
     ${ROLLUP_UPSERT}`,
  );
  const progress = db.prepare('update duration_backfill set done = ?');
  for (let done = state.done; done < state.upTo;) {
    const to = Math.min(done + chunk, state.upTo);
    writeTransaction(db, () => {
      count.run(done, to);
      progress.run(to);
    })();
    done = to;
    await yieldToEventLoop();
  }
  db.prepare('delete from duration_backfill').run();
}

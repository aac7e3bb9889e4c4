import { writeTransaction, type Db } from '../store/db.ts';
import { SPANS } from './duration-buckets.ts';

/** Rows deleted or reclassified per step; each step is one short transaction, then the event loop runs. */
const BATCH = 2000;

/**
 * Every reported attempt (job_attempts) and the duration histograms made of them (duration_rollups) are kept at most
 * 14 days whatever the retention: at 100 jobs/s that is 8.6M rows a day, far more than the failures beside it
 * (successes stay counted per minute in success_minutes).
 */
export const MAX_ATTEMPT_DAYS = 14;

/**
 * How long each slot width of the duration rollups is kept (days): as long as the longest window that reads it
 * (1 h, 24 h, then 7 d and 30 d, whose runs are kept 14 days), with a margin. One-minute slots for 14 days were
 * nine rows in ten of the table.
 */
const ROLLUP_KEEP_DAYS = { 1: 1, 15: 2, 120: MAX_ATTEMPT_DAYS } as const satisfies Record<(typeof SPANS)[number], number>;

/** Lets the event loop run between two steps of a long job (the console keeps answering). */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes history older than `days`, in small batches so the console keeps answering. SQLite reuses the
 * freed pages, so the file stops growing once the window is full.
 * Returns the number of rows removed.
 */
export async function enforceRetention(db: Db, days: number, now = Date.now()): Promise<number> {
  const cutoff = now - days * 24 * 3600_000;
  const attemptsCutoff = now - Math.min(days, MAX_ATTEMPT_DAYS) * 24 * 3600_000;
  const steps = [
    {
      cutoff,
      sql: db.prepare(`delete from failure_attempts where rowid in (select rowid from failure_attempts where at < ? limit ${BATCH})`),
    },
    {
      cutoff: attemptsCutoff,
      sql: db.prepare(`delete from job_attempts where rowid in (select rowid from job_attempts where finished_at < ? limit ${BATCH})`),
    },
  ];
  let removed = 0;
  for (const step of steps) {
    for (;;) {
      const n = step.sql.run(step.cutoff).changes;
      removed += n;
      if (n < BATCH) break;
      await yieldToEventLoop();
    }
  }
  // The rollups are WITHOUT ROWID: deleted by their key instead. Durations go with the runs they count, sooner for
  // the finer slot widths.
  const rollups = [
    { table: 'success_minutes', key: 'connection_id, minute, task', expired: `minute < ${Math.floor(cutoff / 60_000)}` },
    ...SPANS.map((span) => ({
      table: 'duration_rollups',
      key: 'connection_id, span, slot, task, bucket',
      expired: `span = ${span} and slot < ${Math.floor((now - Math.min(days, ROLLUP_KEEP_DAYS[span]) * 24 * 3600_000) / 60_000 / span)}`,
    })),
  ];
  for (const { table, key, expired } of rollups) {
    const sql = db.prepare(`delete from ${table} where (${key}) in (select ${key} from ${table} where ${expired} limit ${BATCH})`);
    for (;;) {
      const n = sql.run().changes;
      removed += n;
      if (n < BATCH) break;
      await yieldToEventLoop();
    }
  }
  // Hosts of pools no attempt refers to any more.
  removed += db
    .prepare(
      `delete from companion_pools where seen_at < ? and not exists (
         select 1 from job_attempts a where a.connection_id = companion_pools.connection_id and a.pool_id = companion_pools.pool_id)`,
    )
    .run(attemptsCutoff).changes;
  return removed;
}

/**
 * Re-applies the classifier to every kept attempt, in id order and small batches (rules changed).
 * `onProgress` reports rows done; `isCancelled` stops early when newer rules superseded these.
 */
export async function reclassifyAll(
  db: Db,
  classify: (message: string) => string,
  onProgress: (done: number, total: number) => void,
  isCancelled: () => boolean,
): Promise<number> {
  const total = (db.prepare('select count(*) as n from failure_attempts').get() as { n: number }).n;
  const page = db.prepare<[number], { id: number; error: string; error_type: string }>(
    `select id, error, error_type from failure_attempts where id > ? order by id limit ${BATCH}`,
  );
  const update = db.prepare('update failure_attempts set error_type = ? where id = ?');
  let after = 0;
  let done = 0;
  let changed = 0;
  for (;;) {
    if (isCancelled()) return changed;
    const rows = page.all(after);
    if (rows.length === 0) break;
    writeTransaction(db, () => {
      for (const r of rows) {
        const type = classify(r.error);
        if (type !== r.error_type) {
          update.run(type, r.id);
          changed++;
        }
      }
    })();
    after = rows[rows.length - 1].id;
    done += rows.length;
    onProgress(done, total);
    await yieldToEventLoop();
  }
  return changed;
}

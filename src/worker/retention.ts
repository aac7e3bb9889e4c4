import type { CompanionDb } from './db.ts';
import type { ResolvedJobdeckOptions } from './options.ts';
import { LOCK_CLASS, LOCK_RETENTION } from './schema.ts';
import { retentionBatch } from './sql.ts';

/** One retention run stops after this long, even with rows left; the next run follows a second later. */
export const RETENTION_RUN_BUDGET_MS = 20_000;
export const RETENTION_CATCH_UP_DELAY_MS = 1_000;

export interface RetentionResult {
  deleted: number;
  /** The run ended (its time budget ran out, or a shutdown) with expired rows perhaps left. */
  more: boolean;
}

/**
 * Deletes expired rows in bounded batches, if this connection gets the retention lock (so one worker at a time
 * does it). Each batch is its own statement on the companion's serial connection, so flushes and heartbeats
 * interleave between batches. The session lock dies with the connection if the process does.
 */
export async function runRetention(
  db: CompanionDb,
  options: Pick<ResolvedJobdeckOptions, 'retentionDays' | 'rollupRetentionDays' | 'retentionBatchSize'>,
  shouldStop: () => boolean,
): Promise<RetentionResult> {
  const { retentionDays, rollupRetentionDays, retentionBatchSize } = options;
  const locked = await db.run(async (c) => {
    const { rows } = await c.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [LOCK_CLASS, LOCK_RETENTION]);
    return rows[0]?.ok === true;
  });
  if (!locked) return { deleted: 0, more: false };
  const deadline = Date.now() + RETENTION_RUN_BUDGET_MS;
  let deleted = 0;
  try {
    const plan: Array<[Parameters<typeof retentionBatch>[1], number]> = [
      ['attempts', retentionDays * 86_400],
      ['task_minutes', rollupRetentionDays * 86_400],
      ['cancel_requests', retentionDays * 86_400],
      ['workers', retentionDays * 86_400],
    ];
    for (const [table, seconds] of plan) {
      for (;;) {
        // A shutdown ends the run between statements; the next worker's run goes on from there.
        if (shouldStop()) return { deleted, more: true };
        const n = await db.run((c) => retentionBatch(c, table, seconds, retentionBatchSize));
        deleted += n;
        if (n < retentionBatchSize) break;
        // Attempts first: while they are behind, the smaller tables wait for the next run.
        if (Date.now() > deadline) return { deleted, more: true };
      }
    }
    return { deleted, more: false };
  } finally {
    await db.run((c) => c.query('select pg_advisory_unlock($1, $2)', [LOCK_CLASS, LOCK_RETENTION])).catch(() => undefined);
  }
}

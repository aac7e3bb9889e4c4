import type pg from 'pg';
import type { BackfillItem, BackfillRuleSpec } from '../../shared/model/backfill.ts';
import { jobKeyParts } from './rule-query.ts';
import { releasePastParked, releaseTime, type ReleaseSchedule } from '../../shared/model/jobs.ts';
import { OpError } from '../../shared/contract/index.ts';
import { addJobs, keyAsJson } from '../jobs/admin-sql.ts';

/** When queued jobs run: all at `start`, or `perMinute` a minute from it, in the items' order. */
export interface Release {
  start: Date;
  perMinute: number | null;
}

/** The schedule a release of `count` jobs gives (null for none). */
export function releaseOf(release: Release, count: number): ReleaseSchedule | null {
  if (count === 0) return null;
  const start = release.start.getTime();
  const perMinute = release.perMinute ?? 0;
  const last = perMinute ? releaseTime(start, perMinute, count - 1) : start;
  return { perMinute, first: new Date(start).toISOString(), last: new Date(last).toISOString() };
}

export interface EnqueueOutcome {
  jobIds: string[];
  /** Of the jobs created, those for items whose previous job had failed for good. */
  requeued: number;
  /** Chosen items that got a job (or whose failed job changed) between reading and queuing. */
  skipped: BackfillItem[];
}

// One lock for every backfill on a database, whichever Jobdeck runs it: two runs never both see a key free.
const LOCK_SQL = `select pg_advisory_xact_lock(hashtext('jobdeck'), hashtext('backfill'))`;

/**
 * Queues one job per item in ONE `graphile_worker.add_jobs` call, in a transaction that holds the backfill
 * lock and re-reads the keys first. `add_jobs` itself would replace a waiting job with the same key (resetting
 * its attempts) and duplicate a running one, so only items that still have no job go in, plus, when
 * `requeueFailed`, items whose job is still failed and unlocked (add_jobs then moves the key to a new job and
 * leaves the failed one as history).
 */
export async function enqueueItems(
  pool: pg.Pool,
  spec: BackfillRuleSpec,
  items: BackfillItem[],
  requeueFailed: boolean,
  release?: Release,
): Promise<EnqueueOutcome> {
  if (items.length === 0) return { jobIds: [], requeued: 0, skipped: [] };
  const past = release?.perMinute ? releasePastParked(release.start.getTime(), release.perMinute, items.length) : null;
  if (past) throw new OpError('invalid_input', `Nothing was queued: ${past}`);
  const parts = jobKeyParts(spec);
  const keyOf = (item: BackfillItem) => parts.join(item.key);
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query(LOCK_SQL);
    const { rows: existing } = await client.query<{ key: string; failed: boolean }>(
      `select key, (locked_at is null and attempts >= max_attempts) as failed
         from graphile_worker._private_jobs where key = any($1::text[])`,
      [items.map(keyOf)],
    );
    const now = new Map(existing.map((r) => [r.key, r.failed ? 'failed' : 'busy']));
    const chosen: BackfillItem[] = [];
    const skipped: BackfillItem[] = [];
    for (const item of items) {
      const state = now.get(keyOf(item));
      const ok = state === undefined ? item.state === 'none' : state === 'failed' && requeueFailed && item.state === 'failed';
      (ok ? chosen : skipped).push(item);
    }
    let jobIds: string[] = [];
    if (chosen.length > 0) {
      const runAt = (i: number) =>
        release
          ? new Date(release.perMinute ? releaseTime(release.start.getTime(), release.perMinute, i) : release.start.getTime()).toISOString()
          : null;
      const specs = chosen.map((item, i) => ({
        identifier: spec.task,
        payload: { ...spec.payloadExtra, [spec.payloadKey]: keyAsJson(item.key, spec.keyType) },
        queue_name: spec.queue,
        max_attempts: spec.maxAttempts,
        job_key: keyOf(item),
        priority: spec.priority,
        run_at: runAt(i),
      }));
      const rows = await addJobs(client, specs);
      jobIds = rows.map((r) => r.id);
      // Another producer may have taken a key without our lock: add_jobs then returns no row for it.
      const returned = new Set(rows.map((r) => r.key));
      for (const item of chosen.filter((i) => !returned.has(keyOf(i)))) skipped.push(item);
      chosen.splice(0, chosen.length, ...chosen.filter((i) => returned.has(keyOf(i))));
    }
    await client.query('commit');
    return { jobIds, requeued: chosen.filter((i) => i.state === 'failed').length, skipped };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

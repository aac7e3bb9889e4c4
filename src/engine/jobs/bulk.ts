import { randomUUID } from 'node:crypto';
import type { ActionPreview, BulkActionReport, JobAction, JobFilter } from '../../shared/model/jobs.ts';
import type { EngineCore } from '../core.ts';
import type { Session } from '../session.ts';
import { applyJobAction, CHUNK_SIZE, normalizeIds, writableSession, type ActionParams } from './apply-action.ts';
import { auditParams } from './actions.ts';
import { filterCondition, filterSql, resolveNames } from './filter-sql.ts';
import { errorRules } from './error-rules.ts';
import type { ErrorRule } from '../../shared/errors/index.ts';

const SAMPLE_IDS = 100;
const SAMPLE_PER_REASON = 5;

/** What a bulk action applies to: an explicit selection, or everything a filter matches when it runs. */
export type ActionTarget = { ids: string[] } | { filter: JobFilter };

/** Counts what an action would touch, for the confirmation: matching jobs, and how many a worker holds now. */
export async function previewAction(core: EngineCore, action: JobAction, target: ActionTarget): Promise<ActionPreview> {
  const session = core.requireSession();
  const params: unknown[] = [];
  if ('ids' in target) params.push(normalizeIds(target.ids));
  const where = 'ids' in target ? `j.id = any($1::bigint[])` : await filterSql(session.pool, target.filter, params, errorRules(core.db));
  params.push(core.runner.host?.poolId ?? null);
  const { rows } = await session.pool.query<{ matching: number; locked: number; locked_here: number }>(
    `select count(*)::int as matching,
            count(*) filter (where j.locked_at is not null and j.locked_at >= now() - interval '4 hours')::int as locked,
            count(*) filter (where j.locked_by = $${params.length})::int as locked_here
     from graphile_worker._private_jobs j where ${where}`,
    params,
  );
  return { action, matching: rows[0].matching, locked: rows[0].locked, lockedHere: rows[0].locked_here };
}

/** Accumulates chunk outcomes into exact counts and bounded samples. */
class Tally {
  affected = 0;
  skipped = 0;
  readonly affectedSample: string[] = [];
  readonly reasons = new Map<string, { count: number; sampleIds: string[] }>();
  add(outcome: { affected: string[]; skipped: { id: string; reason: string }[] }): void {
    this.affected += outcome.affected.length;
    this.skipped += outcome.skipped.length;
    for (const id of outcome.affected) if (this.affectedSample.length < SAMPLE_IDS) this.affectedSample.push(id);
    for (const s of outcome.skipped) {
      let entry = this.reasons.get(s.reason);
      if (!entry) this.reasons.set(s.reason, (entry = { count: 0, sampleIds: [] }));
      entry.count++;
      if (entry.sampleIds.length < SAMPLE_PER_REASON) entry.sampleIds.push(s.id);
    }
  }
  byReason() {
    return [...this.reasons].map(([reason, e]) => ({ reason, ...e })).sort((a, b) => b.count - a.count);
  }
}

/**
 * Runs an action on a selection or on everything a filter matches, with no cap: ids are taken in chunks along
 * the primary key, so each job is visited once even as the action changes what the filter matches, and the
 * filter is re-checked as each window is read. Emits `action.progress` after each chunk and writes one audit
 * entry at the end.
 */
export async function runBulkAction(
  core: EngineCore,
  action: JobAction,
  target: ActionTarget,
  params: ActionParams,
  actionId: string = randomUUID(),
): Promise<BulkActionReport> {
  const session = writableSession(core);
  const started = performance.now();
  const tally = new Tally();
  let total: number;
  const progress = (done: number) =>
    core.emit({ type: 'action.progress', actionId, action, done, total, affected: tally.affected, skipped: tally.skipped });

  if ('ids' in target) {
    const ids = normalizeIds(target.ids);
    total = ids.length;
    progress(0);
    for (let i = 0; i < ids.length; i += CHUNK_SIZE) {
      tally.add(await applyJobAction(core, session, action, ids.slice(i, i + CHUNK_SIZE), params));
      progress(Math.min(ids.length, i + CHUNK_SIZE));
    }
  } else {
    total = (await previewAction(core, action, target)).matching;
    progress(0);
    let done = 0;
    for await (const ids of chunksMatching(session, target.filter, errorRules(core.db))) {
      tally.add(await applyJobAction(core, session, action, ids, params));
      done += ids.length;
      // Jobs created after the count can match too: the total grows rather than the bar overflowing.
      total = Math.max(total, done);
      progress(done);
    }
  }

  const report: Omit<BulkActionReport, 'auditId'> = {
    actionId,
    action,
    requested: tally.affected + tally.skipped,
    affected: tally.affected,
    skipped: tally.skipped,
    skippedByReason: tally.byReason(),
    affectedSample: tally.affectedSample,
    durationMs: Math.round(performance.now() - started),
  };
  const auditId = core.audit.record({
    connectionId: session.profile.id,
    action: `jobs.${action}`,
    target: 'ids' in target ? { ids: target.ids.slice(0, 1000), count: target.ids.length } : { filter: target.filter },
    requested: report.requested,
    affected: report.affected,
    skipped: report.skipped,
    detail: { params: auditParams(params), skippedByReason: report.skippedByReason, affectedSample: report.affectedSample, durationMs: report.durationMs },
    actor: params.actor,
  });
  void session.refresh().catch(() => {});
  return { ...report, auditId };
}

/** Ids per window of the primary key: a range scan of this many ids is cheap whatever the filter. */
const WINDOW = 50_000n;
const MAX_WINDOW = 1_000_000n;

/**
 * Ids matching the filter, ascending, at most CHUNK_SIZE at a time, read window by window along the primary
 * key (`id > lo and id <= lo + window`): the whole bulk action costs one pass over the table, whatever the
 * planner thinks of the filter, and each window re-checks the filter when its turn comes. Empty windows
 * widen, so ids with large gaps are crossed quickly. Jobs created after the start (above the max id) are left.
 */
async function* chunksMatching(session: Session, filter: JobFilter, rules: readonly ErrorRule[]): AsyncGenerator<string[]> {
  const pool = session.pool;
  const bounds = (await pool.query<{ lo: string | null; hi: string | null }>(
    'select min(id)::text as lo, max(id)::text as hi from graphile_worker._private_jobs',
  )).rows[0];
  if (bounds.lo === null || bounds.hi === null) return;
  const names = await resolveNames(pool, filter, rules);
  let lo = BigInt(bounds.lo) - 1n;
  const hi = BigInt(bounds.hi);
  let span = WINDOW;
  while (lo < hi) {
    const params: unknown[] = [];
    const where = filterCondition(filter, names, params);
    params.push(lo.toString(), (lo + span).toString());
    const { rows } = await pool.query<{ id: string }>(
      `select j.id::text as id from graphile_worker._private_jobs j
       where ${where} and j.id > $${params.length - 1}::bigint and j.id <= $${params.length}::bigint order by j.id`,
      params,
    );
    lo += span;
    span = rows.length === 0 ? (span * 2n > MAX_WINDOW ? MAX_WINDOW : span * 2n) : WINDOW;
    for (let i = 0; i < rows.length; i += CHUNK_SIZE) yield rows.slice(i, i + CHUNK_SIZE).map((r) => r.id);
  }
}

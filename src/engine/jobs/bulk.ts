import { randomUUID } from 'node:crypto';
import {
  releasePastParked,
  releaseTime,
  type ActionPreview,
  type BulkActionReport,
  type JobAction,
  type JobFilter,
  type ReleaseSchedule,
} from '../../shared/model/jobs.ts';
import { OpError } from '../../shared/contract/index.ts';
import { pgOpError } from '../pg/pg-errors.ts';
import type { ErrorRule } from '../../shared/errors/index.ts';
import type { AuditLog, EventBus } from '../context.ts';
import type { Session } from '../session.ts';
import { applyJobAction, auditParams, CHUNK_SIZE, normalizeIds, type ActionDeps, type ActionParams } from './apply-action.ts';
import { filterCondition, filterSql, resolveNames } from './filter-sql.ts';
import { companionAccess } from './companion-access.ts';
import { retryVerdictCounts, type VerdictSources } from './verdicts.ts';

const SAMPLE_IDS = 100;
/** Why a job matching a filter was left out: the action had reached the count the operator confirmed. */
export const BEYOND_CONFIRMED = 'matched after the count you confirmed: left as it is';
const SAMPLE_PER_REASON = 5;
/** At most this many ids of a selection go into an audit entry's target. */
const AUDIT_ID_LIMIT = 1_000;

/**
 * What a Jobs-view action applies to: an explicit selection, or everything a filter matches when it runs (at most
 * `atMost` jobs, the count the operator confirmed).
 */
export type ActionTarget = { ids: string[] } | { filter: JobFilter; atMost?: number };

/**
 * Where a bulk action's ids come from, read chunk by chunk as the action goes (never all at once): a selection,
 * a filter, or a Stuck-view group.
 */
export interface IdSource {
  /** How many jobs it stands for now: the progress bar's first total (it grows if more turn up). */
  count(): Promise<number>;
  /** The ids, at most CHUNK_SIZE at a time, each once. */
  chunks(): AsyncIterable<string[]> | Iterable<string[]>;
  /** What the operator asked for, as the audit log records it. */
  auditTarget: unknown;
  /** The most jobs the operator confirmed it acts on (a filter's count in the dialog): never more (see runBulkAction). */
  atMost?: number;
  /**
   * More than `atMost` matching at the start refuses the action (409) instead of capping it: a Jobs-view filter,
   * whose dialog named the count. A Stuck-view group is capped only: its buttons act at once, and a group that keeps
   * growing (a task nobody runs) would be refused every time.
   */
  refuseAboveAtMost?: boolean;
}

export interface BulkContext extends ActionDeps {
  audit: AuditLog;
  events: EventBus;
}

export interface BulkOptions {
  /** Names the `action.progress` events; made up when the client gave none. */
  actionId?: string;
  /** The audit entry's action, e.g. `stuck.retry`; default `jobs.<action>`. */
  auditAction?: string;
  /** Pools the caller released first (the Stuck view's actions), reported with the action. */
  unlock?: BulkActionReport['unlock'];
  /** Splits each chunk before the action: the jobs to act on, and those left out with the reason (reported as skipped). */
  screen?: (ids: string[]) => Promise<{ keep: string[]; leftOut: { id: string; reason: string }[] }>;
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
 * The one path of every bulk action, whatever the view: ids come chunk by chunk from the source, each chunk
 * goes through graphile-worker's admin functions, `action.progress` is emitted after each chunk, and one audit
 * entry is written at the end. No cap on how many jobs; memory bounded by the chunk and the samples.
 */
export async function runBulkAction(
  ctx: BulkContext,
  session: Session,
  action: JobAction,
  source: IdSource,
  params: ActionParams,
  options: BulkOptions = {},
): Promise<BulkActionReport> {
  const actionId = options.actionId ?? randomUUID();
  const started = performance.now();
  const tally = new Tally();
  let total = await source.count();
  const atMost = source.atMost;
  // Without a screen the count is of the jobs it would act on: more than confirmed is refused before anything changes.
  // With one (a transient-only retry), which of them it keeps is known chunk by chunk: the cap below bounds it.
  if (atMost !== undefined && source.refuseAboveAtMost && !options.screen && total > atMost) {
    throw new OpError(
      'conflict',
      `${total} ${total === 1 ? 'job matches' : 'jobs match'} now, more than the ${atMost} you confirmed: nothing was changed. Start the action again to see the new count.`,
    );
  }
  if (params.pace) {
    // What it would release: never more than the operator confirmed (a screen may keep fewer; each chunk checks again).
    const past = releasePastParked(params.pace.start.getTime(), params.pace.perMinute, Math.min(total, atMost ?? total));
    if (past) throw new OpError('invalid_input', `Nothing was changed: ${past}`);
  }
  const progress = (done: number) =>
    ctx.events.emit({ type: 'action.progress', actionId, action, done, total, affected: tally.affected, skipped: tally.skipped });
  progress(0);
  let done = 0;
  // Jobs handed to the action (a screen leaves some out): a paced release numbers only these.
  let released = 0;
  const finish = (failure?: string) => {
    const report: Omit<BulkActionReport, 'auditId'> = {
      actionId,
      action,
      requested: tally.affected + tally.skipped,
      affected: tally.affected,
      skipped: tally.skipped,
      skippedByReason: tally.byReason(),
      affectedSample: tally.affectedSample,
      durationMs: Math.round(performance.now() - started),
      ...(options.unlock !== undefined ? { unlock: options.unlock } : {}),
      ...(params.pace && released > 0 ? { release: releaseSchedule(params.pace, released) } : {}),
    };
    // Nothing matched at all (an empty group, a filter of nothing): the database was not touched, so the log of what
    // operators did to it gets no line. Asked-for ids that were skipped are recorded: someone asked for them.
    const untouched = report.requested === 0 && !failure;
    const auditId = untouched
      ? 0
      : ctx.audit.record({
          connectionId: session.profile.id,
          action: options.auditAction ?? `jobs.${action}`,
          target: source.auditTarget,
          requested: report.requested,
          affected: report.affected,
          skipped: report.skipped,
          detail: {
            params: auditParams(params),
            skippedByReason: report.skippedByReason,
            affectedSample: report.affectedSample,
            durationMs: report.durationMs,
            ...(options.unlock ? { unlockedPools: options.unlock.poolIds, jobsUnlocked: options.unlock.jobsUnlocked } : {}),
            ...(failure ? { stoppedBy: failure } : {}),
          },
          actor: params.actor,
        });
    void session.refresh().catch(() => {});
    return { ...report, auditId };
  };
  try {
    for await (const chunk of source.chunks()) {
      let ids = chunk;
      if (options.screen) {
        const screened = await options.screen(chunk);
        tally.add({ affected: [], skipped: screened.leftOut });
        ids = screened.keep;
      }
      // Never more than the operator confirmed: jobs that came to match since are reported and left as they are.
      if (atMost !== undefined && released + ids.length > atMost) {
        const over = ids.slice(atMost - released);
        ids = ids.slice(0, atMost - released);
        tally.add({ affected: [], skipped: over.map((id) => ({ id, reason: BEYOND_CONFIRMED })) });
      }
      // A paced release numbers jobs across chunks, so the spread runs on from one chunk to the next.
      const past = params.pace && releasePastParked(params.pace.start.getTime(), params.pace.perMinute, released + ids.length);
      if (past) throw new OpError('invalid_input', `The rest cannot be released: ${past}`);
      const chunkParams = params.pace ? { ...params, pace: { ...params.pace, offset: released } } : params;
      tally.add(await applyJobAction(ctx, session, action, ids, chunkParams));
      released += ids.length;
      done += chunk.length;
      // Jobs that turned up after the count can match too: the total grows rather than the bar overflowing.
      total = Math.max(total, done);
      progress(done);
      // The confirmed count is reached: the ids after it are not even read.
      if (atMost !== undefined && released >= atMost) break;
    }
  } catch (error) {
    // Chunks already applied stay applied (each is its own statement): the audit log records them, and the error
    // says so, rather than an error that reads as if nothing had changed.
    if (tally.affected === 0) throw error;
    const cause = pgOpError(error);
    const { auditId } = finish(cause.message);
    throw new OpError(
      cause.code,
      `${cause.message}. The action stopped part way: ${tally.affected} ${tally.affected === 1 ? 'job was' : 'jobs were'} already changed ` +
        `(audit entry #${auditId}); the rest were left as they are.`,
    );
  }
  if (done !== total) {
    total = done;
    progress(done);
  }
  return finish();
}

function releaseSchedule(pace: { perMinute: number; start: Date }, count: number): ReleaseSchedule {
  const start = pace.start.getTime();
  return {
    perMinute: pace.perMinute,
    first: new Date(start).toISOString(),
    last: new Date(releaseTime(start, pace.perMinute, count - 1)).toISOString(),
  };
}

/** A selection of ids (validated, deduplicated), in chunks. */
export function idsSource(rawIds: string[], auditTarget?: unknown): IdSource {
  const ids = normalizeIds(rawIds);
  return {
    count: () => Promise.resolve(ids.length),
    *chunks() {
      for (let i = 0; i < ids.length; i += CHUNK_SIZE) yield ids.slice(i, i + CHUNK_SIZE);
    },
    auditTarget: auditTarget ?? { ids: ids.slice(0, AUDIT_ID_LIMIT), count: ids.length },
  };
}

/** Everything a filter matches when each window of ids is read (runBulkAction acts on `atMost` of them at most). */
export function filterSource(session: Session, filter: JobFilter, rules: readonly ErrorRule[], atMost?: number): IdSource {
  return {
    count: async () => (await previewAction(session, rules, null, 'retry', { filter })).matching,
    chunks: () => chunksMatching(session, filter, rules),
    auditTarget: atMost === undefined ? { filter } : { filter, atMost },
    atMost,
    refuseAboveAtMost: true,
  };
}

/** Counts what an action would touch, for the confirmation: matching jobs, and how many a worker holds now. */
export async function previewAction(
  session: Session,
  rules: readonly ErrorRule[],
  hostPoolId: string | null,
  action: JobAction,
  target: ActionTarget,
  verdicts?: VerdictSources,
): Promise<ActionPreview> {
  const params: unknown[] = [];
  if ('ids' in target) params.push(normalizeIds(target.ids));
  const where = 'ids' in target ? `j.id = any($1::bigint[])` : await filterSql(session.pool, target.filter, params, rules);
  params.push(hostPoolId);
  // Only a cancel reaches workers that report through the companion; only a role that can read their rows counts them.
  const access = action === 'cancel' ? await companionAccess(session.pool) : null;
  const reporting =
    access?.installed && access.canRead
      ? `count(*) filter (where ${LOCKED} and j.locked_by is distinct from $${params.length}
           and exists (select 1 from jobdeck.workers w where w.pool_id = j.locked_by or j.locked_by = any(w.worker_ids)))::int`
      : '0';
  const { rows } = await session.pool.query<{ matching: number; locked: number; locked_here: number; locked_reporting: number }>(
    `select count(*)::int as matching,
            count(*) filter (where ${LOCKED})::int as locked,
            count(*) filter (where j.locked_by = $${params.length})::int as locked_here,
            ${reporting} as locked_reporting
     from graphile_worker._private_jobs j where ${where}`,
    params,
  );
  const r = rows[0];
  const preview: ActionPreview = {
    action,
    matching: r.matching,
    locked: r.locked,
    lockedHere: r.locked_here,
    lockedReporting: r.locked_reporting,
  };
  // A retry shows its estimated LLM bill (the usage domain's per-task averages): it needs the jobs per task.
  if (action === 'retry' && r.matching > 0) {
    const byTask = await session.pool.query<{ task: string; jobs: number }>(
      `select t.identifier as task, count(*)::int as jobs
       from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
       where ${where} group by t.identifier order by jobs desc limit 100`,
      params.slice(0, -1),
    );
    preview.byTask = byTask.rows;
    if (verdicts)
      preview.verdicts = await retryVerdictCounts(verdicts, session.pool, session.profile.id, rules, where, params.slice(0, -1));
  }
  return preview;
}

/** The pools holding any job of the target now (an unlock checks them all before it changes anything). */
export async function lockHolders(session: Session, rules: readonly ErrorRule[], target: ActionTarget): Promise<string[]> {
  const params: unknown[] = [];
  if ('ids' in target) params.push(normalizeIds(target.ids));
  const where = 'ids' in target ? `j.id = any($1::bigint[])` : await filterSql(session.pool, target.filter, params, rules);
  const { rows } = await session.pool.query<{ locked_by: string }>(
    `select distinct j.locked_by from graphile_worker._private_jobs j where ${where} and j.locked_by is not null limit 1000`,
    params,
  );
  return rows.map((r) => r.locked_by);
}

const LOCKED = `j.locked_at is not null and j.locked_at >= now() - interval '4 hours'`;

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
  const bounds = (
    await pool.query<{ lo: string | null; hi: string | null }>(
      'select min(id)::text as lo, max(id)::text as hi from graphile_worker._private_jobs',
    )
  ).rows[0];
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

import type { ActionReport, JobAction } from '../../shared/model/jobs.ts';
import type { EngineCore } from '../core.ts';
import { applyJobAction, CHUNK_SIZE, normalizeIds, writableSession, type ActionOutcome, type ActionParams } from './apply-action.ts';

/** How an action is written to the audit log; by default `jobs.<action>` with the ids as target. */
export interface AuditOptions {
  /** e.g. `stuck.retry` when another view acts through these functions. */
  auditAction?: string;
  /** What the operator asked for, e.g. `{ group: 'pool-abc' }`; default `{ ids }` (bounded). */
  auditTarget?: unknown;
}

export type RetryOptions = AuditOptions & { runAt?: Date | string | null; actor?: string };
export type CancelOptions = AuditOptions & { actor?: string };
export type FailOptions = AuditOptions & { message?: string | null; actor?: string };
export type PriorityOptions = AuditOptions & { priority: number; actor?: string };
export type UnlockOptions = AuditOptions & { actor?: string };

/** At most this many ids of each list go into an audit entry's detail. */
export const AUDIT_ID_LIMIT = 1_000;

async function act(core: EngineCore, action: JobAction, rawIds: string[], params: ActionParams, audit: AuditOptions): Promise<ActionReport> {
  const ids = normalizeIds(rawIds);
  const session = writableSession(core);
  const outcome: ActionOutcome = { affected: [], skipped: [] };
  for (let i = 0; i < ids.length; i += CHUNK_SIZE) {
    const part = await applyJobAction(core, session, action, ids.slice(i, i + CHUNK_SIZE), params);
    outcome.affected.push(...part.affected);
    outcome.skipped.push(...part.skipped);
  }
  core.audit.record({
    connectionId: session.profile.id,
    action: audit.auditAction ?? `jobs.${action}`,
    target: audit.auditTarget ?? { ids: ids.slice(0, AUDIT_ID_LIMIT), count: ids.length },
    requested: ids.length,
    affected: outcome.affected.length,
    skipped: outcome.skipped.length,
    detail: {
      params: auditParams(params),
      affected: outcome.affected.slice(0, AUDIT_ID_LIMIT),
      skipped: outcome.skipped.slice(0, AUDIT_ID_LIMIT),
    },
    actor: params.actor,
  });
  void session.refresh().catch(() => {});
  return { action, requested: ids.length, affected: outcome.affected, skipped: outcome.skipped };
}

/** The parameters as they go into the audit log (dates as ISO strings, no empty keys). */
export function auditParams(params: ActionParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (params.runAt) out.runAt = params.runAt.toISOString();
  if (params.message) out.message = params.message.slice(0, 500);
  if (params.priority !== undefined) out.priority = params.priority;
  return out;
}

const toDate = (d: Date | string | null | undefined) => (d ? new Date(d) : null);

/**
 * Retries jobs now or at `runAt`: attempts reset to 0 and run_at set (`reschedule_jobs(..., attempts := 0)`).
 * Jobs a worker holds are skipped with the reason. Writes the audit log.
 */
export function retryJobs(core: EngineCore, ids: string[], options: RetryOptions = {}): Promise<ActionReport> {
  return act(core, 'retry', ids, { runAt: toDate(options.runAt), actor: options.actor }, options);
}

/**
 * Cancels jobs: idle ones are removed from the queue (`complete_jobs`) and kept in Jobdeck's snapshots as
 * cancelled; ones running in the hosted runner are aborted and end as cancelled; ones running elsewhere are
 * skipped with the reason. Writes the audit log.
 */
export function cancelJobs(core: EngineCore, ids: string[], options: CancelOptions = {}): Promise<ActionReport> {
  return act(core, 'cancel', ids, { actor: options.actor }, options);
}

/** Marks jobs permanently failed (`permanently_fail_jobs`); locked ones are skipped. Writes the audit log. */
export function failJobs(core: EngineCore, ids: string[], options: FailOptions = {}): Promise<ActionReport> {
  return act(core, 'fail', ids, { message: options.message ?? null, actor: options.actor }, options);
}

/** Changes jobs' priority (`reschedule_jobs(..., priority := n)`); locked ones are skipped. Writes the audit log. */
export function setJobsPriority(core: EngineCore, ids: string[], options: PriorityOptions): Promise<ActionReport> {
  return act(core, 'priority', ids, { priority: options.priority, actor: options.actor }, options);
}

/**
 * Unlocks jobs held by pools that are gone (`force_unlock_workers` of their pools: every job of such a pool is
 * released). This console's own live pool is refused. Writes the audit log.
 */
export function unlockJobs(core: EngineCore, ids: string[], options: UnlockOptions = {}): Promise<ActionReport> {
  return act(core, 'unlock', ids, { actor: options.actor }, options);
}

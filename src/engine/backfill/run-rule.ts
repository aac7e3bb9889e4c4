import { OpError } from '../../shared/contract/index.ts';
import type {
  BackfillPreview,
  BackfillRule,
  BackfillRuleSpec,
  BackfillRunRecord,
  BackfillRunResult,
  BackfillTrigger,
} from '../../shared/model/backfill.ts';
import type { Session } from '../session.ts';
import type { AuditLog, EventBus } from '../context.ts';
import { matchRuleItems, type MatchResult } from './rule-query.ts';
import { enqueueItems, releaseOf, type EnqueueOutcome, type Release } from './enqueue.ts';
import { pgOpError } from '../pg/pg-errors.ts';
import type { BackfillRepo } from './rules-repo.ts';

/** What the backfill operations need from the engine. */
export interface RunContext {
  repo: BackfillRepo;
  audit: AuditLog;
  events: EventBus;
}

const counts = (m: MatchResult) => ({
  missing: m.missing,
  fresh: m.fresh,
  queued: m.queued,
  running: m.running,
  failed: m.failed,
  invalid: m.invalid,
});

/** Reads a rule's items without changing anything; a saved rule's preview is logged for the backlog chart. */
export async function previewRule(
  ctx: RunContext,
  session: Session,
  target: { rule: BackfillRuleSpec; id?: string },
  sampleSize: number,
): Promise<BackfillPreview> {
  const started = Date.now();
  const match = await matchRuleItems(session.pool, target.rule, {
    limit: sampleSize,
    states: ['none', 'failed', 'queued', 'running', 'invalid'],
  });
  if (target.id) {
    const run = ctx.repo.logRun({
      connectionId: session.profile.id,
      ruleId: target.id,
      trigger: 'preview',
      ...counts(match),
      enqueued: 0,
      requeued: 0,
      skipped: 0,
      durationMs: Date.now() - started,
      error: null,
    });
    ctx.events.emit({ type: 'backfill', run });
  }
  return { ...counts(match), sample: match.items, queryMs: match.queryMs };
}

/** "N items needed output, Q queued, S already queued, F permanently failed before …" */
export function describeRun(run: BackfillRunRecord, requeueFailed: boolean): string {
  const parts = [
    `${run.missing} item${run.missing === 1 ? '' : 's'} needed output`,
    `${run.enqueued} queued`,
    `${run.queued + run.running} already queued`,
    `${run.failed} permanently failed before (${requeueFailed ? `${run.requeued} requeued` : 'not requeued unless asked'})`,
  ];
  if (run.skipped) parts.push(`${run.skipped} skipped (a job appeared meanwhile)`);
  if (run.invalid) parts.push(`${run.invalid} with a job key over 512 characters (never queued)`);
  const left = run.fresh - run.enqueued + (requeueFailed ? run.failed - run.requeued : 0);
  if (left > 0 && !run.error) parts.push(`${left} left for the next run`);
  return parts.join(', ');
}

/**
 * Queues jobs for up to `limit` (default: the batch size) items of a saved rule that have no job, in one
 * add_jobs call; logs the run, writes the audit entry, and tells every window.
 */
export async function runRule(
  ctx: RunContext,
  session: Session,
  rule: BackfillRule,
  options: {
    trigger: Exclude<BackfillTrigger, 'preview'>;
    limit?: number;
    requeueFailed?: boolean;
    release?: Release;
    /** Only these items: the rule's query decides whether each lacks output; the batch size does not apply. */
    keys?: string[];
  },
): Promise<BackfillRunResult> {
  if (rule.connectionId !== session.profile.id) throw new OpError('conflict', `Rule "${rule.name}" belongs to another connection`);
  const requeueFailed = options.requeueFailed ?? false;
  const keys = options.keys ? [...new Set(options.keys)] : undefined;
  const limit = keys ? keys.length : (options.limit ?? rule.batchSize);
  const started = Date.now();
  const base = { connectionId: session.profile.id, ruleId: rule.id, trigger: options.trigger };
  let match: MatchResult;
  // The rule's whole backlog, which the run log keeps as the rule's figures (its list and chart): for a run by keys,
  // read apart, or the few keys' counts would stand for the rule's backlog ("1 missing" where 9 lacked output).
  let backlog: MatchResult;
  let outcome: EnqueueOutcome;
  try {
    match = await matchRuleItems(session.pool, rule, { limit, states: requeueFailed ? ['none', 'failed'] : ['none'], keys });
    backlog = keys ? await matchRuleItems(session.pool, rule, { limit: 0, states: [] }) : match;
    outcome = await enqueueItems(session.pool, rule, match.items, requeueFailed, options.release);
  } catch (caught) {
    // A failed run is logged too: the run log is where a scheduled rule's failures show.
    const error = pgOpError(caught);
    const zero = { missing: 0, fresh: 0, queued: 0, running: 0, failed: 0, invalid: 0, enqueued: 0, requeued: 0, skipped: 0 };
    const run = ctx.repo.logRun({ ...base, ...zero, durationMs: Date.now() - started, error: error.message.slice(0, 1000) });
    ctx.events.emit({ type: 'backfill', run });
    throw error;
  }
  const run = ctx.repo.logRun({
    ...base,
    ...counts(backlog),
    enqueued: outcome.jobIds.length,
    requeued: outcome.requeued,
    skipped: outcome.skipped.length,
    durationMs: Date.now() - started,
    error: null,
  });
  ctx.audit.record({
    connectionId: session.profile.id,
    action: 'backfill.run',
    target: { rule: rule.id, name: rule.name, task: rule.task, limit, requeueFailed, ...(keys ? { keys: keys.length } : {}) },
    // By keys, the operator asked for each key given: those not lacking output (done, or no such item) are skipped too.
    requested: keys ? keys.length : match.items.length,
    affected: outcome.jobIds.length,
    skipped: keys ? keys.length - outcome.jobIds.length : outcome.skipped.length,
    detail: {
      trigger: options.trigger,
      ...counts(match),
      requeued: outcome.requeued,
      ...(options.release ? { release: releaseOf(options.release, outcome.jobIds.length) } : {}),
      ...(keys ? { keys: keys.slice(0, 1000) } : {}),
      jobIds: outcome.jobIds.slice(0, 1000),
      skippedKeys: outcome.skipped.slice(0, 1000).map((i) => ({ key: i.key, reason: 'a job with its key appeared before queuing' })),
    },
    actor: options.trigger === 'schedule' ? 'schedule' : 'operator',
  });
  ctx.events.emit({ type: 'backfill', run });
  const release = options.release ? releaseOf(options.release, outcome.jobIds.length) : null;
  if (!keys) return { run, jobIds: outcome.jobIds, message: describeRun(run, requeueFailed), release };
  // The rule's query returns only items lacking output: a key it did not return has its output, or no item.
  const keysNotFound = keys.length - match.missing;
  const notFound = keysNotFound
    ? `; ${keysNotFound} of the ${keys.length} key(s) given are not among the items lacking output (done already, or no such item)`
    : '';
  return { run, jobIds: outcome.jobIds, message: `${describeRun(run, requeueFailed)}${notFound}`, release, keysNotFound };
}

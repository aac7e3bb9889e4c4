import type { Domain } from '../domain.ts';
import type { AuditLog, EventBus, HostedRunner, Sessions } from '../context.ts';
import type { HistoryDomain } from '../history/domain.ts';
import { listJobs, countJobs } from './list-query.ts';
import { getJobDetail } from './detail-query.ts';
import { addJob } from './add.ts';
import { addBatch } from './add-batch.ts';
import { findJobs } from './search.ts';
import { filterSource, idsSource, lockHolders, previewAction, runBulkAction, type ActionTarget, type BulkContext } from './bulk.ts';
import type { PoolLivenessSource } from '../workers/pool-liveness.ts';
import { aliveError, gateUnlock } from '../workers/unlock-gate.ts';
import { normalizeIds, type ActionParams } from './apply-action.ts';
import { assertCanAskWorkers } from './cancel.ts';
import type { JobAction } from '../../shared/model/jobs.ts';
import { screenTransient, withVerdicts, type TransientScreen, type VerdictSources } from './verdicts.ts';

type Ops =
  | 'jobs.list'
  | 'jobs.count'
  | 'jobs.get'
  | 'jobs.facets'
  | 'jobs.preview'
  | 'jobs.retry'
  | 'jobs.cancel'
  | 'jobs.fail'
  | 'jobs.setPriority'
  | 'jobs.unlock'
  | 'jobs.add'
  | 'jobs.addBatch'
  | 'jobs.find'
  | 'audit.list';

export interface JobsContext {
  sessions: Sessions;
  audit: AuditLog;
  events: EventBus;
  hosted: HostedRunner;
  /** Error rules and classifier, and the records of jobs that left the database. */
  history: Pick<HistoryDomain, 'errorRules' | 'classify' | 'records' | 'typeVerdict'>;
  /** Whether the pools holding jobs still run: the one liveness source every unlock uses. */
  liveness: PoolLivenessSource;
}

export interface JobsDomain extends Domain<Ops> {
  /** The one bulk-action path, for the other views' actions (Stuck). */
  bulk: BulkContext;
  /** A transient-only retry's screen (see screenTransient), for the other views' retries (Stuck). */
  screenTransient: TransientScreen;
}

/** The job explorer: lists, counts, one job in full, and actions single and in bulk, with the audit log. */
export function createJobs(ctx: JobsContext): JobsDomain {
  const { sessions, history } = ctx;
  const bulk: BulkContext = { audit: ctx.audit, events: ctx.events, hosted: ctx.hosted, records: history.records, liveness: ctx.liveness };

  const verdicts: VerdictSources = { failuresOf: history.records.failuresOf, typeVerdict: history.typeVerdict };

  const transientScreen: TransientScreen = (session, ids) =>
    screenTransient(verdicts, session.pool, session.profile.id, history.errorRules(), ids);

  const act = (action: JobAction, target: ActionTarget, params: ActionParams, actionId?: string) => {
    const session = sessions.writable();
    const rules = history.errorRules();
    const source = 'ids' in target ? idsSource(target.ids) : filterSource(session, target.filter, rules, target.atMost);
    // A transient-only retry leaves out, chunk by chunk, the jobs whose retry verdict says a retry won't help.
    const screen = params.transientOnly ? (ids: string[]) => transientScreen(session, ids) : undefined;
    return runBulkAction(bulk, session, action, source, params, { actionId, screen });
  };

  /**
   * Unlock refuses, before anything changes, when any pool holding a targeted job is known alive: its jobs run,
   * and unlocking them would let a second worker run them at the same time (a 409 naming the pool).
   */
  const unlock = async (target: ActionTarget, force: boolean, actionId?: string) => {
    const session = sessions.writable();
    const hostPool = ctx.hosted.poolId();
    const holders = (await lockHolders(session, history.errorRules(), target)).filter((p) => p !== hostPool);
    const gate = gateUnlock(await ctx.liveness.judge(session.pool, session.profile.id, holders), holders, force);
    if (gate.alive.length) throw aliveError(gate.alive);
    return act('unlock', target, { force }, actionId);
  };

  return {
    name: 'jobs',
    bulk,
    screenTransient: transientScreen,
    handlers: {
      'jobs.list': async ({ filter, cursor, limit }) => {
        const session = sessions.require();
        const page = await listJobs(session.pool, filter, cursor ?? null, limit, {
          list: history.errorRules(),
          classify: history.classify,
        });
        return { ...page, rows: withVerdicts(verdicts, session.profile.id, page.rows) };
      },
      'jobs.count': ({ filter }) => {
        const session = sessions.require();
        return countJobs(session.pool, filter, session.latest(), history.errorRules());
      },
      'jobs.get': async ({ id }) => {
        const session = sessions.require();
        const detail = await getJobDetail({ records: history.records, classify: history.classify, hosted: ctx.hosted }, session, id);
        // A job that succeeded in the end needs no retry: its last error is an earlier attempt's.
        if (detail.outcome === 'succeeded') return detail;
        return withVerdicts(verdicts, session.profile.id, [detail])[0];
      },
      'jobs.facets': async () => {
        const pool = sessions.require().pool;
        const [tasks, queues] = await Promise.all([
          pool.query<{ n: string }>('select identifier as n from graphile_worker._private_tasks order by 1 limit 2000'),
          pool.query<{ n: string }>('select queue_name as n from graphile_worker._private_job_queues order by 1 limit 2000'),
        ]);
        return { tasks: tasks.rows.map((r) => r.n), queues: queues.rows.map((r) => r.n) };
      },
      'jobs.preview': ({ action, target }) =>
        previewAction(sessions.require(), history.errorRules(), ctx.hosted.poolId(), action, target, verdicts),
      'jobs.retry': ({ target, runAt, pace, transientOnly, actionId }) => {
        const at = runAt ? new Date(runAt) : null;
        const paced = pace ? { perMinute: pace.perMinute, start: at ?? new Date(), offset: 0 } : undefined;
        return act('retry', target, { runAt: at, pace: paced, transientOnly }, actionId);
      },
      'jobs.cancel': async ({ target, keepFailed, actionId }) => {
        // A selection that a worker with the companion runs, on a role that may not ask it: a refusal, nothing changed.
        if ('ids' in target) await assertCanAskWorkers(sessions.writable().pool, normalizeIds(target.ids), ctx.hosted.poolId());
        return act('cancel', target, { keepFailed }, actionId);
      },
      'jobs.fail': ({ target, message, actionId }) => act('fail', target, { message }, actionId),
      'jobs.setPriority': ({ target, priority, actionId }) => act('priority', target, { priority }, actionId),
      'jobs.unlock': ({ target, force, actionId }) => unlock(target, force, actionId),
      'jobs.add': (input) => addJob(sessions.writable(), ctx.audit, input),
      'jobs.addBatch': (input) => addBatch(sessions.writable(), ctx.audit, input),
      'jobs.find': ({ query, limit }) => findJobs({ records: history.records }, sessions.require(), query, limit),
      'audit.list': ({ limit, before, allConnections }) =>
        ctx.audit.list({ connectionId: allConnections ? null : (sessions.current()?.profile.id ?? null), limit, before }),
    },
  };
}

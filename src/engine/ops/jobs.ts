import type { HandlersOf } from './types.ts';
import type { EngineCore } from '../core.ts';
import { listJobs, countJobs } from '../jobs/list-query.ts';
import { errorRules, rowClassifier } from '../jobs/error-rules.ts';
import { getJobDetail } from '../jobs/detail-query.ts';
import { previewAction, runBulkAction } from '../jobs/bulk.ts';
import { pgOpError } from '../pg/pg-errors.ts';

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
  | 'audit.list';

/** Postgres failures become a `database_error` the operator can read, instead of `internal`. */
async function pg<T>(core: EngineCore, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw pgOpError(error, core.session?.where);
  }
}

export const jobHandlers: HandlersOf<Ops> = {
  'jobs.list': ({ filter, cursor, limit }, core) =>
    pg(core, () =>
      listJobs(core.requireSession().pool, filter, cursor ?? null, limit, { list: errorRules(core.db), classify: rowClassifier(core.db) }),
    ),
  'jobs.count': ({ filter }, core) => {
    const session = core.requireSession();
    return pg(core, () => countJobs(session.pool, filter, session.latest(), errorRules(core.db)));
  },
  'jobs.get': ({ id }, core) => pg(core, () => getJobDetail(core, core.requireSession(), id)),
  'jobs.facets': (_input, core) =>
    pg(core, async () => {
      const pool = core.requireSession().pool;
      const [tasks, queues] = await Promise.all([
        pool.query<{ n: string }>('select identifier as n from graphile_worker._private_tasks order by 1 limit 2000'),
        pool.query<{ n: string }>('select queue_name as n from graphile_worker._private_job_queues order by 1 limit 2000'),
      ]);
      return { tasks: tasks.rows.map((r) => r.n), queues: queues.rows.map((r) => r.n) };
    }),
  'jobs.preview': ({ action, target }, core) => pg(core, () => previewAction(core, action, target)),
  'jobs.retry': ({ target, runAt, actionId }, core) =>
    pg(core, () => runBulkAction(core, 'retry', target, { runAt: runAt ? new Date(runAt) : null }, actionId)),
  'jobs.cancel': ({ target, actionId }, core) => pg(core, () => runBulkAction(core, 'cancel', target, {}, actionId)),
  'jobs.fail': ({ target, message, actionId }, core) => pg(core, () => runBulkAction(core, 'fail', target, { message }, actionId)),
  'jobs.setPriority': ({ target, priority, actionId }, core) =>
    pg(core, () => runBulkAction(core, 'priority', target, { priority }, actionId)),
  'jobs.unlock': ({ target, actionId }, core) => pg(core, () => runBulkAction(core, 'unlock', target, {}, actionId)),
  'audit.list': ({ limit, before, allConnections }, core) =>
    core.audit.list({ connectionId: allConnections ? null : (core.session?.profile.id ?? null), limit, before }),
};

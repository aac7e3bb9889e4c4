import type { JobFilter } from '../../shared/model/jobs.ts';
import { JOB_STATE_WHERE } from '../pg/job-state-sql.ts';
import type { Queryable } from './admin-sql.ts';
import { errorTypeCondition } from './error-type-sql.ts';
import type { ErrorRule } from '../../shared/errors/index.ts';

/** Task and queue names of a filter resolved to their ids (looked up in the small name tables). */
export interface ResolvedNames {
  taskIds?: number[];
  queueIds?: number[];
  /** The classifier rules an error type is judged by: the operator's, then the built-ins. */
  rules?: readonly ErrorRule[];
}

/**
 * Looks up the filter's task and queue names. The big table is then filtered by literal ids, which the
 * planner can weigh with its column statistics; a `task_id in (select ...)` hides the value and makes it
 * misjudge how many rows match (it then scans and sorts a million rows for one page).
 */
export async function resolveNames(db: Queryable, filter: JobFilter, rules?: readonly ErrorRule[]): Promise<ResolvedNames> {
  const names: ResolvedNames = { rules };
  if (filter.tasks?.length) {
    const { rows } = await db.query<{ id: number }>('select id from graphile_worker._private_tasks where identifier = any($1::text[])', [
      filter.tasks,
    ]);
    names.taskIds = rows.map((r) => r.id);
  }
  if (filter.queues?.length) {
    const { rows } = await db.query<{ id: number }>(
      'select id from graphile_worker._private_job_queues where queue_name = any($1::text[])',
      [filter.queues],
    );
    names.queueIds = rows.map((r) => r.id);
  }
  return names;
}

/** `%text%` for ILIKE with the wildcards of the text escaped (Postgres' default escape is a backslash). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The SQL condition of a filter over `graphile_worker._private_jobs j`, with its values pushed onto `params`
 * (never spliced into the text). Task and queue names must be resolved first (`resolveNames`).
 */
export function filterCondition(filter: JobFilter, names: ResolvedNames, params: unknown[]): string {
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (filter.states?.length) where.push(`(${filter.states.map((s) => `(${JOB_STATE_WHERE[s]})`).join(' or ')})`);
  if (filter.tasks?.length) where.push(`j.task_id = any(${p(names.taskIds ?? [])}::int[])`);
  if (filter.queues?.length) where.push(`j.job_queue_id = any(${p(names.queueIds ?? [])}::int[])`);
  if (filter.errorType) where.push(errorTypeCondition(filter.errorType, params, names.rules));
  if (filter.search) {
    const like = p(likeContains(filter.search));
    // The payload is only in the private table (not in the public `jobs` view).
    where.push(`(j.last_error ilike ${like} or j.payload::text ilike ${like})`);
  }
  if (filter.createdFrom) where.push(`j.created_at >= ${p(filter.createdFrom)}::timestamptz`);
  if (filter.createdTo) where.push(`j.created_at < ${p(filter.createdTo)}::timestamptz`);
  if (filter.runAtFrom) where.push(`j.run_at >= ${p(filter.runAtFrom)}::timestamptz`);
  if (filter.runAtTo) where.push(`j.run_at < ${p(filter.runAtTo)}::timestamptz`);
  return where.length ? where.join(' and ') : 'true';
}

/** True when the filter narrows by nothing but state and either task or queue: the monitor's counts answer it. */
export function snapshotAnswers(filter: JobFilter): boolean {
  const keys = Object.entries(filter)
    .filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0))
    .map(([k]) => k);
  return keys.every((k) => k === 'states' || k === 'tasks' || k === 'queues') && !(keys.includes('tasks') && keys.includes('queues'));
}

/** `filterCondition` after resolving the names: the usual way to filter. */
export async function filterSql(db: Queryable, filter: JobFilter, params: unknown[], rules?: readonly ErrorRule[]): Promise<string> {
  return filterCondition(filter, await resolveNames(db, filter, rules), params);
}

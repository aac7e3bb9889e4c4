import type { JobFilter } from '../../shared/model/jobs.ts';
import { JOB_STATE_WHERE } from '../pg/job-state-sql.ts';
import { errorTypeCondition } from './error-type-sql.ts';

/** `%text%` for ILIKE with the wildcards of the text escaped (Postgres' default escape is a backslash). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The SQL condition of a filter over `graphile_worker._private_jobs j`, with its values pushed onto `params`
 * (never spliced into the text). Names are resolved through the small task and queue tables, so no join is
 * needed on the big one.
 */
export function filterCondition(filter: JobFilter, params: unknown[]): string {
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (filter.states?.length) where.push(`(${filter.states.map((s) => `(${JOB_STATE_WHERE[s]})`).join(' or ')})`);
  if (filter.tasks?.length) {
    where.push(`j.task_id in (select id from graphile_worker._private_tasks where identifier = any(${p(filter.tasks)}::text[]))`);
  }
  if (filter.queues?.length) {
    where.push(
      `j.job_queue_id in (select id from graphile_worker._private_job_queues where queue_name = any(${p(filter.queues)}::text[]))`,
    );
  }
  if (filter.errorType) where.push(errorTypeCondition(filter.errorType, params));
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

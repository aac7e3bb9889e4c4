import { classifyError, type ErrorRule } from '../../shared/errors/index.ts';
import type { JobState } from '../../shared/model/job-state.ts';
import type { JobFilter, JobRow, JobsPage, MatchCount } from '../../shared/model/jobs.ts';
import type { OverviewSnapshot } from '../../shared/model/overview.ts';
import { JOB_STATE_SQL } from '../pg/job-state-sql.ts';
import type pg from 'pg';
import type { Queryable } from './admin-sql.ts';
import { filterSql, snapshotAnswers } from './filter-sql.ts';

/** Characters of last_error shown in a list row. */
export const ERROR_HEAD_CHARS = 300;
/** Above this many matches the count is not exact (a snapshot figure or the planner's estimate). */
export const EXACT_COUNT_LIMIT = 10_000;

interface Row {
  id: string;
  task: string;
  queue: string | null;
  state: JobState;
  priority: number;
  run_at: Date;
  attempts: number;
  max_attempts: number;
  error_head: string | null;
  created_at: Date;
  locked_at: Date | null;
  locked_by: string | null;
  key: string | null;
}

/** The columns of a list row over `j`, `t` (task) and `q` (queue). The error head is long enough to classify. */
export const ROW_COLUMNS = `j.id::text as id, t.identifier as task, q.queue_name as queue, ${JOB_STATE_SQL} as state,
  j.priority, j.run_at, j.attempts, j.max_attempts, left(j.last_error, 8192) as error_head, j.created_at,
  j.locked_at, j.locked_by, j.key`;

export function toJobRow(r: Row, classify: (message: string) => string = classifyError): JobRow {
  return {
    id: r.id,
    task: r.task,
    queue: r.queue,
    state: r.state,
    priority: r.priority,
    runAt: r.run_at.toISOString(),
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    errorHead: r.error_head === null ? null : r.error_head.slice(0, ERROR_HEAD_CHARS),
    errorType: r.error_head ? classify(r.error_head) : null,
    createdAt: r.created_at.toISOString(),
    lockedAt: r.locked_at?.toISOString() ?? null,
    lockedBy: r.locked_by,
    key: r.key,
  };
}

/**
 * One page of jobs matching a filter, newest first, by keyset on the primary key (`id < cursor`): a page deep
 * in a million rows costs what the first one does, unlike OFFSET.
 */
export async function listJobs(
  pool: pg.Pool,
  filter: JobFilter,
  cursor: string | null,
  limit: number,
  rules?: { list: readonly ErrorRule[]; classify: (message: string) => string },
): Promise<JobsPage> {
  const params: unknown[] = [];
  const where = await filterSql(pool, filter, params, rules?.list);
  params.push(cursor, limit + 1);
  const sql = `select ${ROW_COLUMNS}
     from graphile_worker._private_jobs j
     join graphile_worker._private_tasks t on t.id = j.task_id
     left join graphile_worker._private_job_queues q on q.id = j.job_queue_id
     where ${where} and ($${params.length - 1}::bigint is null or j.id < $${params.length - 1}::bigint)
     order by j.id desc
     limit $${params.length}`;
  const rows = filter.errorType ? await withoutSort(pool, sql, params) : (await pool.query<Row>(sql, params)).rows;
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { rows: page.map((r) => toJobRow(r, rules?.classify)), nextCursor: more ? page[page.length - 1].id : null };
}

/**
 * Runs the page query with sorting disabled. The planner cannot tell how many rows an error-type regex
 * matches; it guesses few, then runs the regexes over every row and sorts (12 s at 1M jobs). Without sorting
 * it walks the primary key backwards and stops after a page (0.2 s). Other filters are estimated well and keep
 * the planner's own choice.
 */
async function withoutSort(pool: pg.Pool, sql: string, params: unknown[]): Promise<Row[]> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('set local enable_sort = off');
    const { rows } = await client.query<Row>(sql, params);
    await client.query('commit');
    return rows;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * How many jobs match: counted exactly up to EXACT_COUNT_LIMIT (the scan stops there); above it, the
 * monitor's latest snapshot when it answers the filter (exact as of its time), otherwise the planner's estimate.
 */
export async function countJobs(
  db: Queryable,
  filter: JobFilter,
  snapshot: OverviewSnapshot | null,
  rules?: readonly ErrorRule[],
): Promise<MatchCount> {
  const params: unknown[] = [];
  const where = await filterSql(db, filter, params, rules);
  const now = new Date().toISOString();
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from (select 1 from graphile_worker._private_jobs j where ${where} limit ${EXACT_COUNT_LIMIT + 1}) s`,
    params,
  );
  const n = rows[0].n;
  if (n <= EXACT_COUNT_LIMIT) return { value: n, basis: 'exact', atLeast: n, at: now };
  if (snapshot && snapshotAnswers(filter)) {
    return { value: Math.max(n, fromSnapshot(snapshot, filter)), basis: 'snapshot', atLeast: n, at: snapshot.at };
  }
  const plan = await db.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
    `explain (format json) select 1 from graphile_worker._private_jobs j where ${where}`,
    params,
  );
  const estimate = Math.round(plan.rows[0]['QUERY PLAN'][0].Plan['Plan Rows']);
  return { value: Math.max(n, estimate), basis: 'estimate', atLeast: n, at: now };
}

/** The matching count from the monitor's per-task or per-queue state counts. */
function fromSnapshot(snapshot: OverviewSnapshot, filter: JobFilter): number {
  const states = filter.states?.length ? filter.states : null;
  const sum = (c: OverviewSnapshot['totals']) => (states ? states.reduce((a, s) => a + c[s], 0) : c.total);
  if (filter.tasks?.length) return snapshot.byTask.filter((t) => filter.tasks!.includes(t.task)).reduce((a, t) => a + sum(t), 0);
  if (filter.queues?.length) return snapshot.byQueue.filter((q) => filter.queues!.includes(q.queue)).reduce((a, q) => a + sum(q), 0);
  return sum(snapshot.totals);
}

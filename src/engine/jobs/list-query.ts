import { classifyError, type ErrorRule } from '../../shared/errors/index.ts';
import type { JobState } from '../../shared/model/job-state.ts';
import type { JobFilter, JobRow, JobsPage, MatchCount } from '../../shared/model/jobs.ts';
import type { OverviewSnapshot } from '../../shared/model/overview.ts';
import { JOB_STATE_SQL } from '../pg/job-state-sql.ts';
import type pg from 'pg';
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
 * How long the exact count may take on a big table before the answer falls back to the monitor's counts or the
 * planner's estimate: the count is asked for at every filter change and must not cost more than a page.
 */
export const COUNT_BUDGET_MS = 12;
/**
 * Below this size (8 KiB pages, about 50,000 jobs) the table is counted without a time limit: a whole scan costs a
 * few milliseconds, and the answer is then always the same for the same data.
 */
export const SMALL_TABLE_PAGES = 1_000;
const SMALL_TABLE_JOBS = 50_000;

/** Overrides of the count's limits (tests exercise the big-table path on a small table). */
export interface CountLimits {
  budgetMs?: number;
  smallTableJobs?: number;
}

/**
 * How many jobs match, answered within about COUNT_BUDGET_MS on a big table:
 * - when the monitor's latest counts answer the filter (state with task or queue) and already say it is above
 *   EXACT_COUNT_LIMIT, those (exact as of their time, labelled `snapshot`): nothing to count;
 * - otherwise an exact count that stops at EXACT_COUNT_LIMIT + 1 matches (`exact` below it); on a big table it
 *   may take COUNT_BUDGET_MS, then Postgres cancels it (a filter matching few of a million rows reads them all);
 * - above the limit or out of time: the monitor's counts when they answer the filter, else the planner's
 *   estimate (`estimate`, shown as "about N"). `atLeast` is what was counted exactly (0 when out of time).
 */
export async function countJobs(
  pool: pg.Pool,
  filter: JobFilter,
  snapshot: OverviewSnapshot | null,
  rules?: readonly ErrorRule[],
  limits: CountLimits = {},
): Promise<MatchCount> {
  const params: unknown[] = [];
  const where = await filterSql(pool, filter, params, rules);
  const now = new Date().toISOString();
  const fromMonitor = snapshot && snapshotAnswers(filter) ? fromSnapshot(snapshot, filter) : null;
  const big = await isBigTable(pool, snapshot, limits.smallTableJobs ?? SMALL_TABLE_JOBS);
  if (big && fromMonitor !== null && fromMonitor > EXACT_COUNT_LIMIT) {
    return { value: fromMonitor, basis: 'snapshot', atLeast: 0, at: snapshot!.at };
  }
  const n = await cappedCount(pool, where, params, big ? (limits.budgetMs ?? COUNT_BUDGET_MS) : 0);
  if (n !== null && n <= EXACT_COUNT_LIMIT) return { value: n, basis: 'exact', atLeast: n, at: now };
  const atLeast = n ?? 0;
  if (fromMonitor !== null) return { value: Math.max(atLeast, fromMonitor), basis: 'snapshot', atLeast, at: snapshot!.at };
  const plan = await pool.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
    `explain (format json) select 1 from graphile_worker._private_jobs j where ${where}`,
    params,
  );
  const estimate = Math.round(plan.rows[0]['QUERY PLAN'][0].Plan['Plan Rows']);
  return { value: Math.max(atLeast, estimate), basis: 'estimate', atLeast, at: now };
}

/** Whether the jobs table is big: by the monitor's latest total (free), else by the table's size on disk. */
async function isBigTable(pool: pg.Pool, snapshot: OverviewSnapshot | null, smallTableJobs: number): Promise<boolean> {
  if (snapshot) return snapshot.totals.total > smallTableJobs;
  const { rows } = await pool.query<{ pages: number }>(
    `select (pg_relation_size('graphile_worker._private_jobs') / 8192)::float8 as pages`,
  );
  return rows[0].pages > (smallTableJobs * SMALL_TABLE_PAGES) / SMALL_TABLE_JOBS;
}

/** Postgres' error when statement_timeout cancels a statement. */
const QUERY_CANCELED = '57014';

/**
 * count(*) of the matches, stopping at EXACT_COUNT_LIMIT + 1; null when it ran out of `budgetMs` (0: no limit).
 * The limit is Postgres' statement_timeout, local to a short transaction on one connection of the pool.
 */
async function cappedCount(pool: pg.Pool, where: string, params: unknown[], budgetMs: number): Promise<number | null> {
  const sql = `select count(*)::int as n from (select 1 from graphile_worker._private_jobs j where ${where} limit ${EXACT_COUNT_LIMIT + 1}) s`;
  if (budgetMs === 0) return (await pool.query<{ n: number }>(sql, params)).rows[0].n;
  const client = await pool.connect();
  try {
    // Without parallel workers: on a cancel, the rollback would wait for them to stop (30-40 ms measured at 1M jobs).
    await client.query(`begin; set local statement_timeout = ${Math.round(budgetMs)}; set local max_parallel_workers_per_gather = 0`);
    const { rows } = await client.query<{ n: number }>(sql, params);
    await client.query('commit');
    return rows[0].n;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    if ((error as { code?: string }).code === QUERY_CANCELED) return null;
    throw error;
  } finally {
    client.release();
  }
}

/** The matching count from the monitor's per-task or per-queue state counts. */
function fromSnapshot(snapshot: OverviewSnapshot, filter: JobFilter): number {
  const states = filter.states?.length ? filter.states : null;
  const sum = (c: OverviewSnapshot['totals']) => (states ? states.reduce((a, s) => a + c[s], 0) : c.total);
  if (filter.tasks?.length) return snapshot.byTask.filter((t) => filter.tasks!.includes(t.task)).reduce((a, t) => a + sum(t), 0);
  if (filter.queues?.length) return snapshot.byQueue.filter((q) => filter.queues!.includes(q.queue)).reduce((a, q) => a + sum(q), 0);
  return sum(snapshot.totals);
}

import type pg from 'pg';
import { JOB_STATES } from '../../shared/model/job-state.ts';
import { emptyCounts, type StateCounts } from '../../shared/model/job-state.ts';
import type { OverviewSnapshot, QueueCounts, TaskCounts } from '../../shared/model/overview.ts';
import { JOB_STATE_WHERE } from '../pg/job-state-sql.ts';

/**
 * One sequential pass over `_private_jobs` computes every count (GRAPHILE-WORKER.md: about 125 ms per million
 * rows), grouped by task and queue; totals and per-queue figures are summed here rather than re-scanned.
 * It reads the private table, not the `jobs` view, whose joins and lack of `is_available` make it slower.
 */
const COUNT_SQL = `
  with c as (
    select j.task_id, j.job_queue_id,
      ${JOB_STATES.map((s) => `count(*) filter (where ${JOB_STATE_WHERE[s]})::int as ${s}`).join(',\n      ')}
    from graphile_worker._private_jobs j
    group by 1, 2
  )
  select t.identifier as task, q.queue_name as queue,
         q.locked_at is not null as queue_locked, q.locked_by as queue_locked_by,
         ${JOB_STATES.map((s) => `c.${s}`).join(', ')}
  from c
  join graphile_worker._private_tasks t on t.id = c.task_id
  left join graphile_worker._private_job_queues q on q.id = c.job_queue_id`;

type Row = Record<(typeof JOB_STATES)[number], number> & {
  task: string;
  queue: string | null;
  queue_locked: boolean | null;
  queue_locked_by: string | null;
};

function add(into: StateCounts, row: Row): void {
  for (const s of JOB_STATES) {
    into[s] += row[s];
    into.total += row[s];
  }
}

export async function countJobs(db: Pick<pg.Pool, 'query'>): Promise<OverviewSnapshot> {
  const started = performance.now();
  const { rows } = await db.query<Row>(COUNT_SQL);
  const queryMs = Math.round(performance.now() - started);
  const totals = emptyCounts();
  const byTask = new Map<string, TaskCounts>();
  const byQueue = new Map<string, QueueCounts>();
  for (const row of rows) {
    add(totals, row);
    let task = byTask.get(row.task);
    if (!task) byTask.set(row.task, (task = { task: row.task, ...emptyCounts() }));
    add(task, row);
    if (row.queue !== null) {
      let queue = byQueue.get(row.queue);
      if (!queue) {
        queue = { queue: row.queue, locked: !!row.queue_locked, lockedBy: row.queue_locked_by, ...emptyCounts() };
        byQueue.set(row.queue, queue);
      }
      add(queue, row);
    }
  }
  const byName =
    <T>(key: (x: T) => string) =>
    (a: T, b: T) =>
      key(a).localeCompare(key(b));
  return {
    at: new Date().toISOString(),
    queryMs,
    totals,
    byTask: [...byTask.values()].sort(byName((t) => t.task)),
    byQueue: [...byQueue.values()].sort(byName((q) => q.queue)),
  };
}

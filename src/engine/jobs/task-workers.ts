import type pg from 'pg';
import { taskWorkersOf, type TaskWorkers } from '../../shared/model/jobs.ts';
import { liveReportingWorkers } from '../workers/live-reporting.ts';

/**
 * Which live reporting workers run `task`, judged as the Workers view judges them. Null when none reports, or when
 * this cannot be read: the job is queued all the same.
 */
export async function taskWorkers(db: Pick<pg.Pool, 'query'>, task: string): Promise<TaskWorkers | null> {
  try {
    const alive = await liveReportingWorkers(db);
    return taskWorkersOf(
      (alive ?? []).map((w) => w.task_identifiers),
      task,
    );
  } catch {
    return null;
  }
}

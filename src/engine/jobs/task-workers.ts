import type pg from 'pg';
import type { TaskWorkers } from '../../shared/model/jobs.ts';
import { liveReportingWorkers } from '../workers/live-reporting.ts';

/**
 * Which live reporting workers run `task`, judged as the Workers view judges them. Null when none reports, or when
 * this cannot be read: the job is queued all the same.
 */
export async function taskWorkers(db: Pick<pg.Pool, 'query'>, task: string): Promise<TaskWorkers | null> {
  try {
    const alive = await liveReportingWorkers(db);
    if (!alive?.length) return null;
    return { reporting: alive.length, runIt: alive.filter((w) => w.task_identifiers.includes(task)).length };
  } catch {
    return null;
  }
}

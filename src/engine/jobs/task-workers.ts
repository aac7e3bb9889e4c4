import type pg from 'pg';
import type { TaskWorkers } from '../../shared/model/jobs.ts';
import { companionLiveness } from '../workers/liveness.ts';
import { companionInstalled, companionWorkers } from '../workers/queries.ts';

/**
 * Which live reporting workers run `task`, judged as the Workers view judges them. Null when none reports, or when
 * this cannot be read: the job is queued all the same.
 */
export async function taskWorkers(db: Pick<pg.Pool, 'query'>, task: string): Promise<TaskWorkers | null> {
  try {
    if (!(await companionInstalled(db))) return null;
    const alive = (await companionWorkers(db, [])).filter((w) => companionLiveness(w).liveness === 'alive');
    if (alive.length === 0) return null;
    return { reporting: alive.length, runIt: alive.filter((w) => w.task_identifiers.includes(task)).length };
  } catch {
    return null;
  }
}

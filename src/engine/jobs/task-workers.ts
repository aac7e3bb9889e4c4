import type { TaskWorkers } from '../../shared/model/jobs.ts';
import type pg from 'pg';
import { MISSED_HEARTBEATS } from '../workers/liveness.ts';
import { companionInstalled } from '../workers/queries.ts';

/**
 * Which live reporting workers run `task` (alive: not stopped, heartbeat at most MISSED_HEARTBEATS intervals late, as
 * the Workers view judges). Null when none reports, or when this cannot be read: the job is queued all the same.
 */
export async function taskWorkers(db: Pick<pg.Pool, 'query'>, task: string): Promise<TaskWorkers | null> {
  try {
    if (!(await companionInstalled(db))) return null;
    const { rows } = await db.query<TaskWorkers>(
      `select count(*)::int as reporting, (count(*) filter (where $1 = any(task_identifiers)))::int as "runIt"
       from jobdeck.workers
       where stopped_at is null
         and last_heartbeat_at > now() - make_interval(secs => heartbeat_interval_ms * $2 / 1000.0)`,
      [task, MISSED_HEARTBEATS],
    );
    return rows[0].reporting > 0 ? rows[0] : null;
  } catch {
    return null;
  }
}

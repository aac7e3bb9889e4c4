import type pg from 'pg';
import { companionLiveness } from './liveness.ts';
import { companionInstalled, companionWorkers, type CompanionWorkerRow } from './queries.ts';

/**
 * The companion workers alive now, judged as the Workers view judges them; null when the companion's schema is not
 * in this database. Throws what the database throws (a role that may not read it): callers decide what that means.
 */
export async function liveReportingWorkers(db: Pick<pg.Pool, 'query'>): Promise<CompanionWorkerRow[] | null> {
  if (!(await companionInstalled(db))) return null;
  return (await companionWorkers(db, [])).filter((w) => companionLiveness(w).liveness === 'alive');
}

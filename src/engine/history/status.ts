import type { HistoryConnection, HistoryStatus } from '../../shared/model/history.ts';
import type { Db } from '../store/db.ts';
import type { HistorySettings } from './settings.ts';
import type { DbWatcher } from './watcher.ts';

interface HistoryState {
  settings: HistorySettings;
  watcher: DbWatcher | null;
  reclassifying: { done: number; total: number } | null;
}

/** What the Failures view says about the history it shows; read from SQLite, so it works offline. */
export function historyStatus(db: Db, feature: HistoryState, connectionId: string | null, live: boolean): HistoryStatus {
  const rows = db
    .prepare(
      `select a.connection_id as id, c.name as name, count(*) as attempts, max(a.at) as last_at
       from failure_attempts a left join connections c on c.id = a.connection_id group by a.connection_id`,
    )
    .all() as { id: string; name: string | null; attempts: number; last_at: number | null }[];
  const connections: HistoryConnection[] = rows.map((r) => ({
    id: r.id,
    name: r.name,
    attempts: r.attempts,
    lastAt: r.last_at === null ? null : new Date(r.last_at).toISOString(),
  }));
  const scan = live ? feature.watcher?.last : null;
  const lastScanAt = scan?.at ?? (connectionId ? feature.settings.lastScanAt(connectionId) : null);
  return {
    connectionId,
    live,
    lastScanAt: lastScanAt === null ? null : new Date(lastScanAt).toISOString(),
    lastScanMs: scan ? Math.round(scan.ms) : null,
    watchedJobs: scan?.jobs ?? 0,
    connections,
    retentionDays: feature.settings.retentionDays(),
    reclassifying: feature.reclassifying,
  };
}

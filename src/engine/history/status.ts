import type { CompanionFeedStatus, HistoryConnection, HistoryPool, HistoryStatus, HostedRecording } from '../../shared/model/history.ts';
import type { Db } from '../store/db.ts';
import type { HistorySettings } from './settings.ts';
import type { DbWatcher } from './watcher.ts';
import { failureRollup } from './failure-rollup.ts';
import type { CompanionReader } from './companion-reader.ts';

interface HistoryState {
  settings: HistorySettings;
  watcher: DbWatcher | null;
  reader: CompanionReader | null;
  reclassifying: { done: number; total: number } | null;
  /** The pool is one of this console's hosted runner's. */
  isHostedPool(poolId: string): boolean;
  /** Whether the running hosted runner's attempts are being recorded (null: none runs). */
  hostedRecording(): HostedRecording | null;
}

/** The reader's state when live; otherwise where it had got to for this connection. */
function companionFeed(db: Db, feature: HistoryState, connectionId: string | null, live: boolean): CompanionFeedStatus {
  if (live && feature.reader) return feature.reader.status();
  const saved = connectionId
    ? (db.prepare('select cursor from companion_cursors where connection_id = ?').get(connectionId) as { cursor: number } | undefined)
    : undefined;
  return {
    state: 'stopped',
    message: 'Not connected: the companion’s attempts are read while its database is connected; what was read is kept',
    cursor: saved ? String(saved.cursor) : null,
    lastReadAt: null,
    recorded: 0,
    rejected: 0,
    lastRejected: null,
  };
}

/** Which pools report exactly (the hosted runner, the companion) and which the watcher only sees at work. */
function pools(feature: HistoryState): HistoryPool[] {
  const out: HistoryPool[] = (feature.reader?.reportingPools() ?? []).map((p) => ({
    poolId: p.poolId,
    // The hosted runner reports through the companion too; it stays marked as this console's.
    account: feature.isHostedPool(p.poolId) ? 'hosted' : 'companion',
    host: p.host,
    live: p.live,
  }));
  const reporting = new Set(out.map((p) => p.poolId));
  for (const poolId of feature.watcher?.seenPools().keys() ?? []) {
    if (reporting.has(poolId)) continue;
    out.push({ poolId, account: feature.isHostedPool(poolId) ? 'hosted' : 'watched', host: null, live: true });
  }
  return out;
}

/** What the Failures view says about the history it shows; read from SQLite, so it works offline. */
export function historyStatus(db: Db, feature: HistoryState, connectionId: string | null, live: boolean): HistoryStatus {
  // Counted from the rollup (a few thousand rows) rather than every attempt (a million take ~100 ms, and this is
  // polled); the newest attempt of each connection is the first entry of failure_attempts_at.
  failureRollup(db).fold();
  const rows = db
    .prepare(
      `select q.id, c.name as name, q.attempts,
              (select a.at from failure_attempts a where a.connection_id = q.id order by a.at desc limit 1) as last_at
       from (select connection_id as id, sum(n) as attempts from failure_quarters group by connection_id) q
       left join connections c on c.id = q.id
       where q.attempts > 0
       order by q.id`,
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
    companion: companionFeed(db, feature, connectionId, live),
    pools: live ? pools(feature) : [],
    hostedRecording: live ? feature.hostedRecording() : null,
  };
}

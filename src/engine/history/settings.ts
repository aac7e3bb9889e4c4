import type { Db } from '../store/db.ts';
import type { ErrorRule } from '../../shared/errors/index.ts';

export const DEFAULT_RETENTION_DAYS = 90;

const KEYS = {
  rules: 'history.errorRules',
  retention: 'history.retentionDays',
  lastConnection: 'history.lastConnectionId',
} as const;

/** The history's settings, kept in Jobdeck's `settings` table so they survive restarts and work offline. */
export function historySettings(db: Db) {
  const get = db.prepare<[string], { value: string }>('select value from settings where key = ?');
  const put = db.prepare('insert into settings (key, value) values (?, ?) on conflict (key) do update set value = excluded.value');
  const read = <T>(key: string, fallback: T): T => {
    const row = get.get(key);
    if (!row) return fallback;
    try {
      return JSON.parse(row.value) as T;
    } catch {
      return fallback;
    }
  };
  return {
    rules: (): ErrorRule[] => {
      const rules = read<unknown>(KEYS.rules, []);
      return Array.isArray(rules) ? (rules as ErrorRule[]) : [];
    },
    setRules: (rules: ErrorRule[]) => put.run(KEYS.rules, JSON.stringify(rules)),
    retentionDays: (): number => {
      const days = read<unknown>(KEYS.retention, DEFAULT_RETENTION_DAYS);
      return typeof days === 'number' && days >= 1 ? days : DEFAULT_RETENTION_DAYS;
    },
    setRetentionDays: (days: number) => put.run(KEYS.retention, JSON.stringify(days)),
    lastConnectionId: (): string | null => read<string | null>(KEYS.lastConnection, null),
    setLastConnectionId: (id: string) => put.run(KEYS.lastConnection, JSON.stringify(id)),
    /** When the watcher last finished a scan of this connection's database (unix ms): shown when offline. */
    lastScanAt: (connectionId: string): number | null => read<number | null>(`history.lastScanAt:${connectionId}`, null),
    setLastScanAt: (connectionId: string, at: number) => put.run(`history.lastScanAt:${connectionId}`, JSON.stringify(at)),
  };
}
export type HistorySettings = ReturnType<typeof historySettings>;

import type { Db } from '../store/db.ts';
import { settingsTable } from '../store/settings.ts';
import type { ErrorRule } from '../../shared/errors/index.ts';

export const DEFAULT_RETENTION_DAYS = 90;

const KEYS = {
  rules: 'history.errorRules',
  retention: 'history.retentionDays',
  lastConnection: 'history.lastConnectionId',
} as const;

/** The history's settings, kept in Jobdeck's `settings` table so they survive restarts and work offline. */
export function historySettings(db: Db) {
  const settings = settingsTable(db);
  return {
    rules: (): ErrorRule[] => {
      const rules = settings.json<unknown>(KEYS.rules, []);
      return Array.isArray(rules) ? (rules as ErrorRule[]) : [];
    },
    setRules: (rules: ErrorRule[]) => settings.setJson(KEYS.rules, rules),
    retentionDays: (): number => {
      const days = settings.json<unknown>(KEYS.retention, DEFAULT_RETENTION_DAYS);
      return typeof days === 'number' && days >= 1 ? days : DEFAULT_RETENTION_DAYS;
    },
    setRetentionDays: (days: number) => settings.setJson(KEYS.retention, days),
    lastConnectionId: (): string | null => settings.json<string | null>(KEYS.lastConnection, null),
    setLastConnectionId: (id: string) => settings.setJson(KEYS.lastConnection, id),
    /** When the watcher last finished a scan of this connection's database (unix ms): shown when offline. */
    lastScanAt: (connectionId: string): number | null => settings.json<number | null>(`history.lastScanAt:${connectionId}`, null),
    setLastScanAt: (connectionId: string, at: number) => settings.setJson(`history.lastScanAt:${connectionId}`, at),
  };
}
export type HistorySettings = ReturnType<typeof historySettings>;

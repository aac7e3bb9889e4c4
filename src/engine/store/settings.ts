import type { Db } from './db.ts';

/**
 * Jobdeck's key-value `settings` table (console state that survives restarts and works offline). Each domain keeps
 * keys of its own, named after it (`history.…`, `usage.…`, `embedded.…`).
 */
export function settingsTable(db: Db) {
  const get = db.prepare<[string], { value: string }>('select value from settings where key = ?');
  const put = db.prepare('insert into settings (key, value) values (?, ?) on conflict (key) do update set value = excluded.value');
  return {
    text: (key: string): string | null => get.get(key)?.value ?? null,
    setText: (key: string, value: string): void => void put.run(key, value),
    /** The value stored as JSON, or `fallback` when there is none or it does not parse (the caller checks its shape). */
    json<T>(key: string, fallback: T): T {
      const row = get.get(key);
      if (!row) return fallback;
      try {
        return JSON.parse(row.value) as T;
      } catch {
        return fallback;
      }
    },
    setJson: (key: string, value: unknown): void => void put.run(key, JSON.stringify(value)),
  };
}

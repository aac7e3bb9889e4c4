import type { Db } from '../store/db.ts';

/** Automatic recovery per connection, in SQLite `recovery_settings`: this module is the only one that writes it. */
export function recoverySettingsRepo(db: Db) {
  const get = db.prepare<[string], { auto_unlock_gone: number }>('select auto_unlock_gone from recovery_settings where connection_id = ?');
  const put = db.prepare(
    `insert into recovery_settings (connection_id, auto_unlock_gone, updated_at) values (?, ?, ?)
     on conflict (connection_id) do update set auto_unlock_gone = excluded.auto_unlock_gone, updated_at = excluded.updated_at`,
  );
  return {
    /** Off unless the operator turned it on for this connection. */
    autoUnlockGone: (connectionId: string): boolean => get.get(connectionId)?.auto_unlock_gone === 1,
    setAutoUnlockGone(connectionId: string, on: boolean, at = Date.now()): void {
      put.run(connectionId, on ? 1 : 0, at);
    },
  };
}

export type RecoverySettingsRepo = ReturnType<typeof recoverySettingsRepo>;

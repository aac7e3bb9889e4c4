import type { AuditEntry } from '../../shared/model/audit.ts';
import type { Db } from './db.ts';

export interface AuditRecord {
  connectionId: string | null;
  action: string;
  target: unknown;
  requested: number;
  affected: number;
  skipped: number;
  /** Bounded by the caller: e.g. the first 1,000 skipped ids with their reasons. */
  detail?: unknown;
  actor?: string;
}

interface Row {
  id: number;
  at: number;
  connection_id: string | null;
  action: string;
  target: string;
  requested: number;
  affected: number;
  skipped: number;
  detail: string | null;
  actor: string;
}

/** The audit log: every action that touched a user's database, and every change of settings, written when it completes. */
export function auditRepo(db: Db) {
  const insert = db.prepare(
    `insert into audit_log (at, connection_id, action, target, requested, affected, skipped, detail, actor)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return {
    record(r: AuditRecord): number {
      const info = insert.run(
        Date.now(),
        r.connectionId,
        r.action,
        JSON.stringify(r.target),
        r.requested,
        r.affected,
        r.skipped,
        r.detail === undefined ? null : JSON.stringify(r.detail),
        r.actor ?? 'operator',
      );
      return Number(info.lastInsertRowid);
    },
    /**
     * Newest first; `before` is the id to continue after (keyset pagination). A connection's entries come with those
     * of no connection: changes of the whole console's settings, and switches from one connection to another.
     */
    list(options: { connectionId?: string | null; limit: number; before?: number }): AuditEntry[] {
      const rows = db
        .prepare(
          `select * from audit_log
           where (@connectionId is null or connection_id = @connectionId or connection_id is null) and (@before is null or id < @before)
           order by id desc limit @limit`,
        )
        .all({ connectionId: options.connectionId ?? null, before: options.before ?? null, limit: options.limit }) as Row[];
      return rows.map((r) => ({
        id: r.id,
        at: new Date(r.at).toISOString(),
        connectionId: r.connection_id,
        action: r.action,
        target: JSON.parse(r.target) as unknown,
        requested: r.requested,
        affected: r.affected,
        skipped: r.skipped,
        detail: r.detail === null ? null : (JSON.parse(r.detail) as unknown),
        actor: r.actor,
      }));
    },
  };
}
export type AuditRepo = ReturnType<typeof auditRepo>;

/** One operator action as kept in Jobdeck's audit log. */
export interface AuditEntry {
  id: number;
  at: string;
  connectionId: string | null;
  action: string;
  /** What the action was asked to touch: `{ ids }`, `{ filter }`, `{ rule }`, ... */
  target: unknown;
  requested: number;
  affected: number;
  skipped: number;
  detail: unknown;
  actor: string;
}

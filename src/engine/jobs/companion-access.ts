import type { Queryable } from './admin-sql.ts';

/**
 * What this console's database role may do in the companion's `jobdeck` schema. Read from the catalogs, not
 * by touching the tables: `to_regclass('jobdeck.x')` itself fails when the role lacks usage on the schema.
 */
export interface CompanionAccess {
  role: string;
  /** The schema and the two tables a cancel uses exist (some worker ran the companion, or a DBA created them). */
  installed: boolean;
  /** Usage on the schema and select on `workers` and `cancel_requests`. */
  canRead: boolean;
  /** Insert on `cancel_requests`: the one write the console makes there. */
  canRequest: boolean;
}

export async function companionAccess(db: Queryable): Promise<CompanionAccess> {
  const { rows } = await db.query<{ role: string; installed: boolean; can_read: boolean; can_request: boolean }>(
    `select current_user::text as role,
            (w.oid is not null and r.oid is not null) as installed,
            coalesce(has_schema_privilege(n.oid, 'usage') and has_table_privilege(w.oid, 'select')
                     and has_table_privilege(r.oid, 'select'), false) as can_read,
            coalesce(has_table_privilege(r.oid, 'insert'), false) as can_request
     from (select 1) one
     left join pg_namespace n on n.nspname = 'jobdeck'
     left join pg_class w on w.relnamespace = n.oid and w.relname = 'workers'
     left join pg_class r on r.relnamespace = n.oid and r.relname = 'cancel_requests'`,
  );
  const r = rows[0];
  return { role: r.role, installed: r.installed, canRead: r.can_read, canRequest: r.can_request };
}

const quoteRole = (role: string) => `"${role.replaceAll('"', '""')}"`;

/** The grants docs/companion-schema.sql lists for a console that cancels, for a role that lacks them. */
export function grantAdvice(access: CompanionAccess): string {
  const role = quoteRole(access.role);
  if (!access.canRead) {
    return (
      `this console's database role (${access.role}) cannot read the jobdeck schema, so it cannot ask the worker to stop the job. ` +
      `Ask a DBA to run: grant usage on schema jobdeck to ${role}; grant select on all tables in schema jobdeck to ${role}; ` +
      `grant insert on jobdeck.cancel_requests to ${role}; (see docs/companion-schema.sql)`
    );
  }
  return (
    `this console's database role (${access.role}) may not insert into jobdeck.cancel_requests, so it cannot ask the worker to stop the job. ` +
    `Ask a DBA to run: grant insert on jobdeck.cancel_requests to ${role}; (see docs/companion-schema.sql)`
  );
}

/**
 * Which of these lock holders (`locked_by` values) are pools that report through the companion: a row in
 * jobdeck.workers, by pool id (graphile-worker 0.17+) or by worker id (0.16 writes worker ids to `locked_by`).
 * Returns holder -> pool id. The table holds one row per pool (a big fleet is thousands): no index is needed.
 */
export async function reportingHolders(db: Queryable, holders: string[]): Promise<Map<string, string>> {
  if (holders.length === 0) return new Map();
  const { rows } = await db.query<{ holder: string; pool_id: string }>(
    `select h.holder, w.pool_id
     from unnest($1::text[]) h(holder)
     join jobdeck.workers w on w.pool_id = h.holder or h.holder = any(w.worker_ids)`,
    [holders],
  );
  return new Map(rows.map((r) => [r.holder, r.pool_id]));
}

/** How long each pool has been silent (database clock), for a plain answer when none acknowledged. */
export async function silentSeconds(db: Queryable, poolIds: string[]): Promise<Map<string, { seconds: number; stopped: boolean }>> {
  if (poolIds.length === 0) return new Map();
  const { rows } = await db.query<{ pool_id: string; seconds: number; stopped: boolean }>(
    `select pool_id, extract(epoch from now() - last_heartbeat_at)::float8 as seconds, stopped_at is not null as stopped
     from jobdeck.workers where pool_id = any($1::text[])`,
    [poolIds],
  );
  return new Map(rows.map((r) => [r.pool_id, { seconds: Math.round(r.seconds), stopped: r.stopped }]));
}

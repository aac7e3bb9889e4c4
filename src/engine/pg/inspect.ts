import type pg from 'pg';
import type { SchemaInfo } from '../../shared/model/status.ts';

/**
 * Highest graphile-worker migration whose schema Jobdeck knows. 0.16 and 0.17 stop at 19, 0.18 adds 20
 * (add_jobs); the tables Jobdeck reads are the same in all three. A newer one may have moved them.
 */
export const KNOWN_SCHEMA_VERSION = 20;

type Queryable = Pick<pg.Pool | pg.PoolClient | pg.Client, 'query'>;

export async function serverVersion(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ v: string }>(`select current_setting('server_version') as v`);
  return rows[0].v;
}

/** Is graphile-worker's schema there, and which migration is it at? */
export async function inspectSchema(db: Queryable): Promise<SchemaInfo> {
  const { rows } = await db.query<{ present: boolean }>(
    `select to_regclass('graphile_worker.migrations') is not null
        and to_regclass('graphile_worker._private_jobs') is not null as present`,
  );
  if (!rows[0].present) return { installed: false, version: null, knownVersion: KNOWN_SCHEMA_VERSION, tooNew: false };
  const v = await db.query<{ id: number | null }>(`select max(id)::int as id from graphile_worker.migrations`);
  const version = v.rows[0].id;
  return { installed: true, version, knownVersion: KNOWN_SCHEMA_VERSION, tooNew: (version ?? 0) > KNOWN_SCHEMA_VERSION };
}

/**
 * Why this role cannot act on jobs, or null when it can. Actions run graphile-worker's admin functions,
 * which update and delete rows of its private tables as the calling role.
 */
export async function readOnlyReason(db: Queryable): Promise<string | null> {
  const { rows } = await db.query<{
    recovery: boolean;
    tx_read_only: string;
    can_update: boolean;
    can_delete: boolean;
    can_exec: boolean;
  }>(`select pg_is_in_recovery() as recovery,
             current_setting('default_transaction_read_only') as tx_read_only,
             has_table_privilege('graphile_worker._private_jobs', 'UPDATE') as can_update,
             has_table_privilege('graphile_worker._private_jobs', 'DELETE') as can_delete,
             has_function_privilege('graphile_worker.reschedule_jobs(bigint[], timestamptz, int, int, int)', 'EXECUTE') as can_exec`);
  const r = rows[0];
  if (r.recovery) return 'The server is a read-only standby (in recovery)';
  if (r.tx_read_only === 'on') return 'Transactions are read-only for this role (default_transaction_read_only = on)';
  if (!r.can_update || !r.can_delete || !r.can_exec) {
    return `Role ${await currentUser(db)} lacks UPDATE/DELETE on graphile_worker._private_jobs or EXECUTE on its admin functions`;
  }
  return null;
}

async function currentUser(db: Queryable): Promise<string> {
  return (await db.query<{ u: string }>('select current_user as u')).rows[0].u;
}

/**
 * Why this role cannot read graphile-worker's private tables (needed for counts and payload search), or null.
 * Those tables have row-level security on and no policies: a role that is neither their owner (or a member of
 * it) nor BYPASSRLS reads them as empty, which would show an idle queue where there is none.
 */
export async function readProblem(db: Queryable): Promise<string | null> {
  const { rows } = await db.query<{ can_select: boolean; sees_rows: boolean; user: string }>(
    `select has_table_privilege('graphile_worker._private_jobs', 'SELECT')
              and has_table_privilege('graphile_worker._private_tasks', 'SELECT')
              and has_table_privilege('graphile_worker._private_job_queues', 'SELECT') as can_select,
            (not c.relrowsecurity or r.rolbypassrls or pg_has_role(current_user, c.relowner, 'USAGE')) as sees_rows,
            current_user as user
     from pg_class c, pg_roles r
     where c.oid = 'graphile_worker._private_jobs'::regclass and r.rolname = current_user`,
  );
  const r = rows[0];
  if (!r.can_select)
    return `Role ${r.user} cannot read graphile-worker's tables (SELECT on graphile_worker._private_jobs, _private_tasks, _private_job_queues)`;
  if (!r.sees_rows) {
    return `Role ${r.user} would see no jobs: graphile-worker's tables use row-level security, so the role must own them (be a member of their owner) or have BYPASSRLS`;
  }
  return null;
}

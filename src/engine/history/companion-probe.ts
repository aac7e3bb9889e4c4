import type pg from 'pg';

/** Whether this console can read the companion's tables, from the catalogs (which any role may read). */
export interface CompanionProbe {
  /** `jobdeck.attempts` exists. */
  installed: boolean;
  /** The role has USAGE on the schema and SELECT on `jobdeck.attempts`. */
  readable: boolean;
  /**
   * The database and the schema's incarnation: a schema dropped and created again starts its ids afresh. The
   * schema's OID alone does not tell incarnations apart (a cluster created again with the same DDL gives the schema
   * the same OID), so the time its first migration was applied is part of it where the role can read it.
   */
  stream: string | null;
  role: string;
  /** `jobdeck.workers` can be read too (pools and hosts). */
  workersReadable: boolean;
  /** `jobdeck.attempts.raw_output` exists (companion schema version 2 and later). */
  hasRawOutput: boolean;
}

/**
 * One catalog query: `to_regclass` would fail on a schema the role may not use, so the tables are looked up in
 * pg_class and the privileges asked with has_*_privilege, which never fail.
 */
export async function probeCompanion(db: Pick<pg.Pool, 'query'>): Promise<CompanionProbe> {
  const { rows } = await db.query<{
    schema_oid: string | null;
    db: string;
    role: string;
    attempts_oid: string | null;
    usage: boolean | null;
    can_read: boolean | null;
    can_read_workers: boolean | null;
    has_raw_output: boolean;
    can_read_migrations: boolean | null;
  }>(
    `select n.oid::text as schema_oid, current_database() as db, current_user as role, a.oid::text as attempts_oid,
            case when n.oid is not null then has_schema_privilege(n.oid, 'usage') end as usage,
            case when a.oid is not null then has_table_privilege(a.oid, 'select') end as can_read,
            case when w.oid is not null then has_table_privilege(w.oid, 'select') end as can_read_workers,
            case when m.oid is not null then has_table_privilege(m.oid, 'select') end as can_read_migrations,
            exists (select 1 from pg_attribute c where c.attrelid = a.oid and c.attname = 'raw_output' and not c.attisdropped) as has_raw_output
     from (select 1) one
     left join pg_namespace n on n.nspname = 'jobdeck'
     left join pg_class a on a.relnamespace = n.oid and a.relname = 'attempts' and a.relkind in ('r', 'p')
     left join pg_class w on w.relnamespace = n.oid and w.relname = 'workers' and w.relkind in ('r', 'p')
     left join pg_class m on m.relnamespace = n.oid and m.relname = 'migrations' and m.relkind in ('r', 'p')`,
  );
  const r = rows[0];
  const installed = r.attempts_oid !== null;
  const readable = installed && r.usage === true && r.can_read === true;
  let stream = r.schema_oid === null ? null : `${r.db}:${r.schema_oid}`;
  if (stream !== null && r.usage === true && r.can_read_migrations === true) {
    const created = await db.query<{ at: string | null }>(
      `select (extract(epoch from applied_at) * 1000000)::bigint::text as at from jobdeck.migrations order by id limit 1`,
    );
    if (created.rows[0]?.at) stream += `${INCARNATION}${created.rows[0].at}`;
  }
  return {
    installed,
    readable,
    stream,
    role: r.role,
    workersReadable: r.usage === true && r.can_read_workers === true,
    hasRawOutput: r.has_raw_output === true,
  };
}

/** Between a stream's database and schema OID and its incarnation (no database name holds a NUL). */
const INCARNATION = '\u0000';

/**
 * Whether a stored cursor's stream is this one. A stream without its incarnation (stored before it was part of the
 * key, or probed while the role could not read `jobdeck.migrations`) matches on the database and schema OID alone:
 * taking it for another stream would read every attempt again, and the history keeps its own record of them for
 * 14 days only. The cursor's own check of the ids (CompanionReader.openCursor) still catches ids started afresh.
 */
export function sameStream(a: string, b: string): boolean {
  if (a === b) return true;
  const [baseA, stampA] = a.split(INCARNATION);
  const [baseB, stampB] = b.split(INCARNATION);
  return baseA === baseB && (stampA === undefined || stampB === undefined);
}

/** The highest id in `jobdeck.attempts` (0 when empty): one step down its primary key. */
export async function lastAttemptId(db: Pick<pg.Pool, 'query'>): Promise<bigint> {
  const { rows } = await db.query<{ id: string }>('select coalesce(max(id), 0)::text as id from jobdeck.attempts');
  return BigInt(rows[0].id);
}

/**
 * Where to start reading when this connection has no cursor yet but the watcher has already covered the database
 * up to `since`: the first id finished after it, found by bisecting the primary key (a few index lookups, no scan).
 * Rows finish roughly in id order, so the start is close, not exact; the watcher's guesses near it are taken over.
 */
export async function firstIdAfter(db: Pick<pg.Pool, 'query'>, since: number): Promise<bigint> {
  const bounds = await db.query<{ lo: string | null; hi: string | null }>(
    'select min(id)::text as lo, max(id)::text as hi from jobdeck.attempts',
  );
  if (bounds.rows[0].lo === null) return 0n;
  let lo = BigInt(bounds.rows[0].lo);
  let hi = BigInt(bounds.rows[0].hi!) + 1n;
  // Invariant: rows below lo finished before `since` (or none); the answer is in [lo, hi].
  while (lo < hi) {
    const mid = (lo + hi) / 2n;
    const { rows } = await db.query<{ id: string; after: boolean }>(
      `select id::text as id, finished_at > to_timestamp($2::float8 / 1000) as after
       from jobdeck.attempts where id >= $1::bigint order by id limit 1`,
      [mid.toString(), since],
    );
    if (!rows[0] || rows[0].after) hi = mid;
    else lo = BigInt(rows[0].id) + 1n;
  }
  return lo > 0n ? lo - 1n : 0n;
}

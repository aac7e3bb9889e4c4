import type pg from 'pg';
import { OpError } from '../../shared/contract/index.ts';
import { companionMigrationSql, LATEST_MIGRATION, LOCK_CLASS, LOCK_MIGRATE } from '../../worker/schema.ts';

/** Whether the database has the pauses table (a companion created the schema at version 3, or a DBA did). */
export async function pausesInstalled(db: Pick<pg.Pool, 'query'>): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(
    `select exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                    where n.nspname = 'jobdeck' and c.relname = 'pauses') as ok`,
  );
  return rows[0]?.ok ?? false;
}

/**
 * Before the first pause on a database no worker with the companion has run against: the console applies the
 * companion's own versioned migrations (the same SQL, under the same advisory lock), or says what to grant.
 */
export async function ensurePausesSchema(client: pg.PoolClient): Promise<void> {
  const { rows } = await client.query<{ v: number | null }>(
    `select case when to_regclass('jobdeck.migrations') is null then null
                 else (select coalesce(max(id), 0)::int from jobdeck.migrations) end as v`,
  );
  const version = rows[0]?.v ?? 0;
  if (version >= LATEST_MIGRATION) return;
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, LOCK_MIGRATE]);
    await client.query(companionMigrationSql(version));
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw new OpError(
      'schema_missing',
      `The jobdeck schema (version ${LATEST_MIGRATION}) is needed to keep pauses in the database, and this console could not create it ` +
        `(${(error as Error).message}). Start a worker with the companion, or have a DBA apply docs/companion-schema.sql.`,
    );
  }
}

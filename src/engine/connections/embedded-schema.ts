import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type pg from 'pg';
import type { Db } from '../store/db.ts';
import { settingsTable } from '../store/settings.ts';
import { inspectSchema } from '../pg/inspect.ts';
import { workerLogger, type LogFn } from '../logger.ts';

/** What the last install of graphile-worker's schema into the embedded database left: by which release, at which migration. */
export interface MigratedBy {
  worker: string;
  migration: number;
}

const KEY = 'embedded.migrated_by';

/** The `settings` row that remembers the last install into the data folder's embedded database. */
export function migratedByRepo(db: Db) {
  const settings = settingsTable(db);
  return {
    get(): MigratedBy | null {
      const value = settings.json<Partial<MigratedBy> | null>(KEY, null);
      return typeof value?.worker === 'string' && typeof value.migration === 'number'
        ? { worker: value.worker, migration: value.migration }
        : null;
    },
    set: (value: MigratedBy): void => settings.setJson(KEY, value),
  };
}

/** The installed graphile-worker's release, read from its package.json (without loading the package); null if not found. */
export function installedWorkerVersion(): string | null {
  try {
    let dir = path.dirname(createRequire(import.meta.url).resolve('graphile-worker'));
    for (let up = 0; up < 4; up++, dir = path.dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'graphile-worker' && pkg.version) return pkg.version;
      } catch {
        // no package.json at this level
      }
    }
  } catch {
    // not resolvable from here
  }
  return null;
}

/**
 * Installs or updates graphile-worker's schema in the embedded database, unless the installed graphile-worker already
 * did and nothing moved it since: the same release, and the schema at the migration it left. Checking costs two
 * short queries; graphile-worker's own migration check costs loading graphile-worker (about 50 ms, before the ready
 * line could print) and a lock. Whatever is skipped here, the hosted runner's start (graphile-worker's run())
 * checks again.
 */
export async function migrateEmbedded(pool: pg.Pool, migratedBy: ReturnType<typeof migratedByRepo>, log: LogFn): Promise<void> {
  const worker = installedWorkerVersion();
  const last = migratedBy.get();
  if (worker && last?.worker === worker) {
    const schema = await inspectSchema(pool);
    if (schema.installed && schema.version === last.migration) return;
  }
  const { runMigrations } = await import('graphile-worker');
  await runMigrations({ pgPool: pool, logger: workerLogger(log) });
  const schema = await inspectSchema(pool);
  if (worker && schema.version !== null) migratedBy.set({ worker, migration: schema.version });
}

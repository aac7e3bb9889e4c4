import type { ConnectionProfile } from '../../shared/model/connection.ts';
import { scheduledRetry, type ConnectionRetry, type ConnectionStatus } from '../../shared/model/status.ts';
import type { OverviewSnapshot } from '../../shared/model/overview.ts';
import { OpError } from '../../shared/contract/index.ts';
import type { ConnectionsRepo } from './repo.ts';
import { migrateEmbedded, type migratedByRepo } from './embedded-schema.ts';
import { dataDirCluster, isMissingDatabase, startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../pg/embedded.ts';
import { parseTarget, profileIdForUrl, toConnectionString } from '../pg/connection-string.ts';
import { Session } from '../session.ts';
import { workerLogger, type LogFn } from '../logger.ts';
import type { SecretStore } from '../secrets.ts';
import type { Sessions } from '../context.ts';
import type { StopReport } from '../runner/host.ts';
import { settledWithin } from '../settled-within.ts';

export interface ConnectorContext {
  dataDir: string;
  /** The data folder's embedded Postgres, already starting (the CLI starts it while the console's modules load). */
  embeddedStarting?: Promise<EmbeddedPostgresHandle>;
  secrets?: SecretStore;
  log: LogFn;
  /** Saved connections (this domain owns the `connections` table). */
  repo: ConnectionsRepo;
  /** The last install of graphile-worker's schema into the embedded database (a `settings` row). */
  migratedBy: ReturnType<typeof migratedByRepo>;
  /** The connection's state changed (the root coalesces these into status events). */
  onStatus(): void;
  onSnapshot(profile: ConnectionProfile, snapshot: OverviewSnapshot): void;
  /** A session opened: the root runs every domain's hook, then starts the hosted runner if wanted. */
  opened(session: Session): Promise<void>;
  /** A session is about to close: the root stops the hosted runner, then runs every domain's hook. */
  closing(session: Session | null): Promise<StopReport>;
}

/** Backoff of the retries of the database chosen at start. */
const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15_000, 30_000];
/** How long stopping waits for a connection switch under way (a connect that hangs has its own timeout). */
const SWITCH_WAIT_MS = 10_000;

/**
 * The active connection: which saved connection is used, the embedded Postgres when it is the one, passwords
 * kept in memory, and retrying the database chosen at start until it answers. Implements `Sessions` for the
 * other domains.
 */
export class Connector implements Sessions {
  private session: Session | null = null;
  private embedded: EmbeddedPostgresHandle | null = null;
  /** Its graphile-worker schema is installed (a failed install is asked again at the next attempt). */
  private embeddedReady = false;
  /** Passwords given on the command line or typed in web mode: memory only, never written. */
  private readonly memoryPasswords = new Map<string, string>();
  /** The last connection attempt that failed, shown until another one succeeds. */
  private connectionError: { profile: ConnectionProfile; message: string } | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Switches run one after another: two at once each closed the other's session and started a runner on it. */
  private switching: Promise<unknown> = Promise.resolve();
  /** The next start-up retry of the connection that failed, shown as "retrying in N s (attempt k)". */
  private retryState: (ConnectionRetry & { profileId: string }) | null = null;
  private stopped = false;
  /** The start begun by the hosting process, taken by the first connection to the embedded database. */
  private embeddedStarting: Promise<EmbeddedPostgresHandle> | undefined;

  constructor(private readonly ctx: ConnectorContext) {
    this.embeddedStarting = ctx.embeddedStarting;
  }

  current(): Session | null {
    return this.session;
  }

  require(): Session {
    const s = this.session;
    if (!s) throw new OpError('not_connected', 'No database is connected: choose a connection first');
    if (s.status.state === 'offline') {
      throw new OpError('not_connected', `The database is unreachable (${s.status.error ?? 'offline'}); history stays available`);
    }
    if (s.status.schema && !s.status.schema.installed) {
      throw new OpError('schema_missing', "graphile-worker's schema is not installed in this database");
    }
    return s;
  }

  writable(): Session {
    const session = this.require();
    const reason = session.status.readOnlyReason;
    if (reason) throw new OpError('read_only', reason);
    return session;
  }

  status(): ConnectionStatus {
    return (
      this.session?.status ?? {
        state: this.connectionError ? 'error' : 'none',
        profileId: this.connectionError?.profile.id ?? null,
        name: this.connectionError?.profile.name ?? null,
        display: null,
        error: this.connectionError?.message ?? null,
        serverVersion: null,
        schema: null,
        readOnlyReason: null,
        lastSnapshotAt: null,
        retries: this.retryState ? this.retryState.attempt - 1 : 0,
        retry: this.retryState && { attempt: this.retryState.attempt, at: this.retryState.at, delayMs: this.retryState.delayMs },
      }
    );
  }

  rememberPassword(profileId: string, password: string): void {
    this.memoryPasswords.set(profileId, password);
  }

  /** The embedded cluster, when it runs: its folder, and the URL a worker of the operator's connects with. */
  embeddedCluster(): { dir: string; connectionString: string } | null {
    return this.embedded ? { dir: this.embedded.dir, connectionString: this.embedded.connectionString } : null;
  }

  isEmbedded(session: Session): boolean {
    return session.profile.kind === 'embedded';
  }

  private connectionStringFor(profile: ConnectionProfile, password?: string): string {
    if (profile.kind === 'embedded') {
      if (!this.embedded) throw new OpError('unavailable', 'The embedded Postgres is not running');
      return this.embedded.connectionString;
    }
    let secret = password ?? this.memoryPasswords.get(profile.id);
    if (secret === undefined) {
      const blob = this.ctx.repo.secret(profile.id);
      if (blob && this.ctx.secrets?.available()) secret = this.ctx.secrets.decrypt(blob);
    }
    return toConnectionString(
      {
        host: profile.host!,
        port: profile.port ?? 5432,
        database: profile.database!,
        user: profile.user!,
        params: profile.params ?? undefined,
      },
      secret,
    );
  }

  /**
   * Switches to another saved connection. The new one is connected to and inspected first: when it cannot be used,
   * the current connection (its runner, its running jobs) stays as it was and the error says so. Without a current
   * connection, the console is left disconnected with the error shown.
   */
  activate(profileId: string, password?: string): Promise<void> {
    const run = this.switching.then(
      () => this.switchTo(profileId, password),
      () => this.switchTo(profileId, password),
    );
    this.switching = run.catch(() => undefined);
    return run;
  }

  private async switchTo(profileId: string, password?: string): Promise<void> {
    const profile = this.ctx.repo.get(profileId);
    if (!profile) throw new OpError('not_found', `No saved connection with id ${profileId}`);
    const previous = this.session;
    let session: Session;
    try {
      // The embedded Postgres' own start fails too (another Jobdeck on the data folder, or one still stopping): the
      // console shows that as the connection's error, as it would a chosen database that does not answer.
      if (profile.kind === 'embedded') await this.ensureEmbedded();
      session = new Session(profile, this.connectionStringFor(profile, password), {
        onStatus: () => {
          if (this.session === session) this.ctx.onStatus();
        },
        onSnapshot: (snapshot) => this.ctx.onSnapshot(profile, snapshot),
      });
      if (profile.kind === 'embedded') await this.migrateEmbedded(session);
      await session.connect();
    } catch (error) {
      if (previous && this.session === previous) {
        const e = error instanceof OpError ? error : new OpError('database_error', (error as Error).message);
        throw new OpError(e.code, `${e.message}. Still connected to ${previous.profile.name}: nothing was changed.`, e.details);
      }
      // Another connection chosen: the retries of the one that failed before stop showing (and stop, see retry()).
      if (this.retryState?.profileId !== profileId) this.retryState = null;
      this.connectionError = { profile, message: (error as Error).message };
      this.ctx.onStatus();
      throw error;
    }
    // The engine stopped while this one connected: it is not to become the active one.
    if (this.stopped) {
      await session.close();
      throw new OpError('unavailable', 'Jobdeck is stopping');
    }
    // Kept once it has worked: a mistyped password never replaces the one that works.
    if (password !== undefined) this.memoryPasswords.set(profileId, password);
    await this.close();
    // Another connection chosen: the retries of the one that failed stop showing (and stop, see retry()).
    this.session = session;
    this.retryState = null;
    this.connectionError = null;
    session.start();
    this.ctx.onStatus();
    await this.ctx.opened(session);
  }

  /** Closes the active session (the hosted runner first); resolves with what stopping the runner reported. */
  async close(): Promise<StopReport> {
    const session = this.session;
    const report = await this.ctx.closing(session);
    await session?.close();
    this.session = null;
    this.ctx.onStatus();
    return report;
  }

  /** Starts the data folder's embedded Postgres, or takes the start the hosting process began. */
  private async ensureEmbedded(): Promise<void> {
    if (!this.embedded) {
      const starting = this.embeddedStarting;
      // Taken once: when that start failed (the folder held by a Jobdeck still stopping), a retry starts anew.
      this.embeddedStarting = undefined;
      this.ctx.log('info', 'starting the embedded Postgres');
      this.embedded = await (starting ??
        startEmbeddedPostgres({
          ...dataDirCluster(this.ctx.dataDir),
          onLog: (line) => this.ctx.log('debug', line),
          onNotice: (line) => this.ctx.log('warn', line),
        }));
    }
  }

  /**
   * Our own database: installing graphile-worker's schema here is expected, unlike in a chosen one. On the session's
   * pool, whose connection the session then opens on (one connection to make, not two). Asked again at the next
   * attempt when it failed (the server stays up). The database itself is created when found missing: a new cluster
   * has it from its start, an existing one is not checked before (see `databaseOnDemand`).
   */
  private async migrateEmbedded(session: Session): Promise<void> {
    if (this.embeddedReady) return;
    const migrate = () => migrateEmbedded(session.pool, this.ctx.migratedBy, this.ctx.log);
    try {
      await migrate().catch(async (error: unknown) => {
        if (!isMissingDatabase(error) || !this.embedded) throw error;
        this.ctx.log('info', 'the embedded Postgres had no jobdeck database: creating it');
        await this.embedded.ensureDatabase();
        await migrate();
      });
    } catch (error) {
      await session.pool.end().catch(() => {});
      throw error;
    }
    this.embeddedReady = true;
  }

  /** Installs graphile-worker's schema into the active database, on the operator's explicit request. */
  async installSchema(): Promise<void> {
    const session = this.session;
    if (!session) throw new OpError('not_connected', 'No database is connected');
    const { runMigrations } = await import('graphile-worker');
    await runMigrations({ connectionString: session.connectionString, logger: workerLogger(this.ctx.log) });
    await session.reinspect();
    this.ctx.onStatus();
  }

  /** Connects at start: to `databaseUrl` (remembered without its password), else to the embedded database. */
  async connectAtStart(databaseUrl: string | undefined): Promise<void> {
    const id = databaseUrl ? this.rememberUrl(databaseUrl) : this.ctx.repo.ensureEmbedded().id;
    // Either one is retried until it answers: a chosen database that is down, or the embedded one's folder still held
    // by a Jobdeck that is stopping (it frees it within seconds).
    await this.activate(id).catch((error) => {
      this.retry(id);
      throw error;
    });
  }

  /** The connection given at start, saved without its password (that stays in memory for this run): its id. */
  private rememberUrl(databaseUrl: string): string {
    const target = parseTarget({ url: databaseUrl });
    const id = profileIdForUrl(databaseUrl);
    const { password, ...rest } = target;
    this.ctx.repo.save({ id, name: `${target.database} on ${target.host}`, target: rest, readOnly: false, secret: undefined });
    if (password) this.memoryPasswords.set(id, password);
    return id;
  }

  /**
   * The database chosen at start did not answer: try again with backoff (1 s … 30 s) until it does, the operator
   * picks another connection, or the engine stops. The console shows the connection error meanwhile.
   */
  private retry(profileId: string, attempt = 0): void {
    const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)];
    this.retryState = { profileId, ...scheduledRetry(attempt + 1, delay) };
    this.ctx.onStatus();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      // Anything but "still failing on this connection" means the operator moved on.
      if (this.stopped || this.session || this.connectionError?.profile.id !== profileId) return;
      this.activate(profileId).catch(() => this.retry(profileId, attempt + 1));
    }, delay);
    this.retryTimer.unref();
  }

  /** Stops retrying and closes the session; resolves with the runner's stop report. */
  async stop(): Promise<StopReport> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryState = null;
    // A switch under way finishes first (bounded), so its session is the one closed here.
    await settledWithin(this.switching, SWITCH_WAIT_MS);
    return this.close();
  }

  /** Last of all: the embedded Postgres, once nothing uses it. */
  async stopEmbedded(): Promise<void> {
    await this.embedded?.stop().catch((e) => this.ctx.log('warn', `embedded Postgres stop: ${(e as Error).message}`));
    this.embedded = null;
    this.embeddedReady = false;
  }
}

import path from 'node:path';
import { runMigrations } from 'graphile-worker';
import type { ConnectionProfile } from '../shared/model/connection.ts';
import type { EngineStatus, RunnerStatus, DemoStatus } from '../shared/model/status.ts';
import type { JobdeckEvent } from '../shared/contract/index.ts';
import { OpError } from '../shared/contract/index.ts';
import { openStore, type Db } from './store/db.ts';
import { connectionsRepo, EMBEDDED_PROFILE_ID } from './store/connections-repo.ts';
import { depthRepo } from './store/depth-repo.ts';
import { auditRepo } from './store/audit-repo.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './pg/embedded.ts';
import { parseTarget, profileIdForUrl, toConnectionString } from './pg/connection-string.ts';
import { Session } from './session.ts';
import { RunnerController } from './runner/controller.ts';
import { consoleLog, workerLogger, type LogFn } from './logger.ts';
import type { SecretStore } from './secrets.ts';
import type { EngineFeature } from './feature.ts';
import { createFeatures } from './features.ts';

export interface EngineOptions {
  dataDir: string;
  mode: 'electron' | 'web';
  /** better_sqlite3.node for this runtime (Electron's ABI differs from Node's). */
  nativeBinding?: string;
  secrets?: SecretStore;
  /** The desktop's folder dialog; absent in web mode. */
  pickDirectory?: () => Promise<string | null>;
  log?: LogFn;
  /** Depth sample period; the chart keeps this resolution. */
  depthSampleMs?: number;
}

export interface StartOptions {
  /** A chosen Postgres; without it, the embedded one. */
  databaseUrl?: string;
  /** Connect to nothing: review the history kept in SQLite (connections can still be activated later). */
  offline?: boolean;
  /** Start the demo pipeline (embedded database only). */
  demo?: boolean;
  /** Host a runner (false = watch only). */
  runner?: boolean;
  concurrency?: number;
  taskDirectory?: string;
}

/**
 * Jobdeck's state and lifecycle: SQLite, the active connection, the embedded Postgres, the hosted runner
 * and the demo. Operations (src/engine/ops) are thin functions over it.
 */
export class EngineCore {
  readonly db: Db;
  readonly connections: ReturnType<typeof connectionsRepo>;
  readonly depth: ReturnType<typeof depthRepo>;
  readonly audit: ReturnType<typeof auditRepo>;
  readonly log: LogFn;
  readonly runner: RunnerController;
  readonly features: EngineFeature[];
  session: Session | null = null;
  private embedded: EmbeddedPostgresHandle | null = null;
  /** Passwords given on the command line or typed in web mode: memory only, never written. */
  private readonly memoryPasswords = new Map<string, string>();
  private readonly listeners = new Set<(event: JobdeckEvent) => void>();
  private lastDepthSample = 0;
  private wantDemo = false;
  /** The operator wants a hosted runner: it follows the console from one connection to the next. */
  runnerWanted = false;
  /** The last connection attempt that failed, shown until another one succeeds. */
  private connectionError: { profile: ConnectionProfile; message: string } | null = null;

  constructor(readonly options: EngineOptions) {
    this.log = options.log ?? consoleLog;
    this.db = openStore(path.join(options.dataDir, 'jobdeck.sqlite'), { nativeBinding: options.nativeBinding });
    this.connections = connectionsRepo(this.db);
    this.depth = depthRepo(this.db);
    this.audit = auditRepo(this.db);
    this.runner = new RunnerController({
      db: this.db,
      logger: workerLogger(this.log),
      log: this.log,
      onChange: () => this.emitStatus(),
      onJob: (event) => {
        const session = this.session;
        if (session) this.forEachFeature('onRunnerJob', (f) => f.onRunnerJob?.(event, session));
      },
      onPool: (poolId) => {
        const session = this.session;
        if (session) this.forEachFeature('onRunnerPool', (f) => f.onRunnerPool?.(poolId, session));
      },
      extras: () => {
        const session = this.session;
        if (!session) return { tasks: {}, crontab: [] };
        return {
          tasks: Object.assign({}, ...this.features.map((f) => f.tasks?.(session) ?? {})),
          crontab: this.features.flatMap((f) => f.crontab?.(session) ?? []),
        };
      },
    });
    this.features = createFeatures(this);
  }

  /** Runs one hook of every feature; a failing feature is logged and the others go on. */
  async forEachFeature(hook: string, run: (feature: EngineFeature) => unknown): Promise<void> {
    for (const feature of this.features) {
      try {
        await run(feature);
      } catch (error) {
        this.log('error', `${feature.name}.${hook} failed: ${(error as Error).message}`);
      }
    }
  }

  // ---- events ----
  subscribe(listener: (event: JobdeckEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: JobdeckEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log('warn', `event listener failed: ${(error as Error).message}`);
      }
    }
  }

  private statusTimer: NodeJS.Timeout | null = null;

  /** Status changes come in bursts (every job start and end): coalesce them to one event per 200 ms. */
  emitStatus(): void {
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      this.emit({ type: 'status', status: this.status() });
    }, 200);
  }

  // ---- status ----
  status(): EngineStatus {
    return {
      mode: this.options.mode,
      dataDir: this.options.dataDir,
      connection: this.session?.status ?? {
        state: this.connectionError ? 'error' : 'none',
        profileId: this.connectionError?.profile.id ?? null,
        name: this.connectionError?.profile.name ?? null,
        display: null,
        error: this.connectionError?.message ?? null,
        serverVersion: null,
        schema: null,
        readOnlyReason: null,
        lastSnapshotAt: null,
        retries: 0,
      },
      runner: this.runnerStatus(),
      demo: this.demoStatus(),
      secretsStorable: this.options.secrets?.available() ?? false,
    };
  }

  runnerStatus(): RunnerStatus {
    return this.runner.status(this.runnerUnavailableReason());
  }

  demoStatus(): DemoStatus {
    return this.runner.demoStatus();
  }

  private runnerUnavailableReason(): string | null {
    const s = this.session?.status;
    if (!s || s.state === 'none') return 'No database connected';
    if (s.schema && !s.schema.installed) return "graphile-worker's schema is not installed in this database";
    if (s.schema?.tooNew) return 'Watch-only: the database was migrated by a newer graphile-worker';
    if (this.session?.profile.readOnly) return 'This connection is marked read-only';
    return null;
  }

  // ---- connections ----
  /** The session, or a clear error when none is usable. */
  requireSession(): Session {
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

  rememberPassword(profileId: string, password: string): void {
    this.memoryPasswords.set(profileId, password);
  }

  connectionStringFor(profile: ConnectionProfile, password?: string): string {
    if (profile.kind === 'embedded') {
      if (!this.embedded) throw new OpError('unavailable', 'The embedded Postgres is not running');
      return this.embedded.connectionString;
    }
    let secret = password ?? this.memoryPasswords.get(profile.id);
    if (secret === undefined) {
      const blob = this.connections.secret(profile.id);
      if (blob && this.options.secrets?.available()) secret = this.options.secrets.decrypt(blob);
    }
    return toConnectionString(
      { host: profile.host!, port: profile.port ?? 5432, database: profile.database!, user: profile.user!, params: profile.params ?? undefined },
      secret,
    );
  }

  /** Switches monitor and runner to another saved connection. On failure the console is left disconnected. */
  async activate(profileId: string, password?: string): Promise<void> {
    const profile = this.connections.get(profileId);
    if (!profile) throw new OpError('not_found', `No saved connection with id ${profileId}`);
    await this.closeSession();
    this.connectionError = null;
    if (profile.kind === 'embedded') await this.ensureEmbedded();
    if (password !== undefined) this.memoryPasswords.set(profileId, password);
    const session = new Session(profile, this.connectionStringFor(profile, password), {
      onStatus: () => this.emitStatus(),
      onSnapshot: (snapshot) => {
        this.emit({ type: 'overview', snapshot });
        const now = Date.parse(snapshot.at);
        if (now - this.lastDepthSample >= (this.options.depthSampleMs ?? 5000)) {
          this.lastDepthSample = now;
          this.depth.record(profile.id, snapshot);
        }
      },
    });
    try {
      await session.open();
    } catch (error) {
      this.connectionError = { profile, message: (error as Error).message };
      this.emitStatus();
      throw error;
    }
    this.connectionError = null;
    this.session = session;
    this.emitStatus();
    await this.forEachFeature('onSessionOpen', (f) => f.onSessionOpen?.(session));
    if (profile.kind === 'embedded' && this.wantDemo) {
      await this.runner.startDemo(session.pool, session.connectionString);
    }
    if (this.runnerWanted && !this.runnerUnavailableReason()) {
      // A runner that cannot start (no task source for this database, ...) is reported, never fatal.
      await this.runner.start(session.connectionString, profile.id).catch((error) => this.log('warn', (error as Error).message));
    }
  }

  private async closeSession(timeoutMs = 10_000) {
    const report = await this.runner.stopAll(timeoutMs);
    const session = this.session;
    if (session) await this.forEachFeature('onSessionClose', (f) => f.onSessionClose?.(session));
    await session?.close();
    this.session = null;
    this.emitStatus();
    return report;
  }

  /** The embedded cluster's folder, when it runs. */
  embeddedDir(): string | null {
    return this.embedded?.dir ?? null;
  }

  private async ensureEmbedded(): Promise<void> {
    if (this.embedded) return;
    this.log('info', 'starting the embedded Postgres');
    this.embedded = await startEmbeddedPostgres({
      dir: path.join(this.options.dataDir, 'postgres'),
      ownedRoot: this.options.dataDir,
      onLog: (line) => this.log('debug', line),
    });
    // Our own database: installing graphile-worker's schema here is expected, unlike in a chosen one.
    await runMigrations({ connectionString: this.embedded.connectionString, logger: workerLogger(this.log) });
  }

  /** Installs graphile-worker's schema into the active database, on the operator's explicit request. */
  async installSchema(): Promise<void> {
    const session = this.session;
    if (!session) throw new OpError('not_connected', 'No database is connected');
    await runMigrations({ connectionString: session.connectionString, logger: workerLogger(this.log) });
    await session.reinspect();
    this.emitStatus();
  }

  // ---- lifecycle ----
  async start(options: StartOptions = {}): Promise<void> {
    this.runner.configure({ concurrency: options.concurrency, taskDirectory: options.taskDirectory });
    if (options.offline) return;
    this.wantDemo = !options.databaseUrl && options.demo !== false;
    this.runnerWanted = options.runner !== false;
    if (options.databaseUrl) {
      const target = parseTarget({ url: options.databaseUrl });
      // The profile is remembered without its password; the password stays in memory for this run.
      const id = profileIdForUrl(options.databaseUrl);
      const { password, ...rest } = target;
      this.connections.save({ id, name: `${target.database} on ${target.host}`, target: rest, readOnly: false, secret: undefined });
      if (password) this.memoryPasswords.set(id, password);
      await this.activate(id).catch((error) => {
        this.retryConnection(id);
        throw error;
      });
    } else {
      this.connections.ensureEmbedded();
      await this.activate(EMBEDDED_PROFILE_ID);
    }
  }

  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  /**
   * The database chosen at start did not answer: try again with backoff (1 s … 30 s) until it does, the operator
   * picks another connection, or the engine stops. The console shows the connection error meanwhile.
   */
  private retryConnection(profileId: string, attempt = 0): void {
    const delay = [1000, 2000, 4000, 8000, 15_000, 30_000][Math.min(attempt, 5)];
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      // Anything but "still failing on this connection" means the operator moved on.
      if (this.stopped || this.session || this.connectionError?.profile.id !== profileId) return;
      this.activate(profileId).catch(() => this.retryConnection(profileId, attempt + 1));
    }, delay);
    this.retryTimer.unref();
  }

  async stop(timeoutMs = 10_000) {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const report = await this.closeSession(timeoutMs);
    await this.forEachFeature('stop', (f) => f.stop?.());
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.listeners.clear();
    await this.embedded?.stop().catch((e) => this.log('warn', `embedded Postgres stop: ${(e as Error).message}`));
    this.embedded = null;
    this.db.close();
    return report;
  }
}

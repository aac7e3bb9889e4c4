import type { TaskList } from 'graphile-worker';
import type { JobdeckEvent, OpResult } from '../shared/contract/index.ts';
import type { EngineStatus } from '../shared/model/status.ts';
import type { Db } from './store/db.ts';
import { noteCleanClose, openSafeStore } from './store/safe-open.ts';
import { guardStoreFile } from './store/file-guard.ts';
import { connectionsRepo } from './connections/repo.ts';
import { migratedByRepo } from './connections/embedded-schema.ts';
import { auditRepo } from './store/audit-repo.ts';
import { consoleLog, type LogFn } from './logger.ts';
import type { SecretStore } from './secrets.ts';
import type { Handlers, LifecycleHooks } from './domain.ts';
import type { AuditLog, HostedRunner, Sessions } from './context.ts';
import { createEventBus } from './events.ts';
import { callOperation } from './call-operation.ts';
import { oneAtATime } from './one-at-a-time.ts';
import { Connector } from './connections/connector.ts';
import { createConnections } from './connections/domain.ts';
import { createRunner, type RunnerDomain } from './runner/domain.ts';
import { ownPoolsRepo } from './runner/own-pools.ts';
import { createOverview } from './overview/domain.ts';
import { createHistory, type HistoryDomain } from './history/domain.ts';
import { createJobs } from './jobs/domain.ts';
import { createStuck, type StuckDomain } from './stuck/domain.ts';
import { createRecovery, type RecoveryDomain } from './recovery/domain.ts';
import { createBackfill } from './backfill/domain.ts';
import { createControl } from './control/domain.ts';
import { createBreaker } from './breaker/domain.ts';
import { createWorkers } from './workers/domain.ts';
import { createCron } from './cron/domain.ts';
import { createPoolLiveness } from './workers/pool-liveness.ts';
import { createUsage, type UsageDomain } from './usage/domain.ts';
import { createAlerts, type AlertsDomain, type AlertsOptions } from './alerts/domain.ts';
import { alertOnBreaker } from './alerts/breaker-alert.ts';
import type { StopReport } from './runner/host.ts';
import type { DemoWorkerSettings } from './runner/controller.ts';
import type { EmbeddedPostgresHandle } from './pg/embedded.ts';
import { restoreIndexesOffThread } from './store/index-worker.ts';
import { settledWithin } from './settled-within.ts';

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
  /** Fastest refresh of the overview's trouble summary (ms, default 5 s). */
  troubleEveryMs?: number;
  /** The demo's separate worker process (a child with the companion): false for none, or settings for it. */
  demoWorker?: DemoWorkerSettings | false;
  /**
   * The embedded Postgres of `dataDir`, already starting: the hosting process may begin it before the engine's
   * modules load (it takes as long as they do), and the first connection to the embedded database uses it.
   */
  embeddedStarting?: Promise<EmbeddedPostgresHandle>;
  /** How often the SQLite file is looked at (deleted, emptied, overwritten while running). */
  storeCheckMs?: number;
  /** Start-up recovery: how long it waits for a row lock held elsewhere, and how soon it tries again after failing. */
  recovery?: { lockTimeoutMs?: number; retryMs?: number };
  /** Alerts: how often rules are evaluated, the evaluation clock (tests), the webhook's timeout and retries. */
  alerts?: AlertsOptions;
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
  /**
   * Called once the database answers, before the domains' start-up work (recovery, the first counts) and the hosted
   * runner's start, which start() still waits for: the CLI prints its ready line then, as the console can be used.
   */
  onConnected?: () => void;
}

/** The parts tests and the hosting process may look at; transports use only the Engine's methods. */
export interface EngineParts {
  db: Db;
  audit: AuditLog;
  sessions: Sessions;
  hosted: HostedRunner;
  runner: RunnerDomain;
  history: HistoryDomain;
  recovery: RecoveryDomain;
  alerts: AlertsDomain;
  /** Looks at the SQLite file now, rather than at the next tick. */
  checkStore(): Promise<void>;
  /** Every domain's lifecycle hooks, by domain name (tests run a hook directly). */
  hooks: Record<string, LifecycleHooks>;
}

/** What a transport (IPC, HTTP) and the hosting process need. */
export interface Engine {
  call(name: string, input: unknown): Promise<OpResult<unknown>>;
  subscribe(listener: (event: JobdeckEvent) => void): () => void;
  /** What a new subscriber needs first: the status, and the latest counts when there are some. */
  initialEvents(): JobdeckEvent[];
  start(options?: StartOptions): Promise<void>;
  stop(timeoutMs?: number): Promise<StopReport>;
  status(): EngineStatus;
  /** The embedded cluster, when it runs: its folder and its URL (loopback only, a fixed local password). */
  embeddedCluster(): { dir: string; connectionString: string } | null;
  /** For tests; transports must not reach in. */
  readonly parts: EngineParts;
}

/** Status changes come in bursts (every job start and end): one status event per this many ms at most. */
const STATUS_COALESCE_MS = 200;

/**
 * The composition root: creates the shared parts once (SQLite store, event bus, log, audit log, the active
 * connection, the hosted runner) and hands each domain a narrow context with only what it uses. Domains own
 * their tables and state; their handlers together implement the whole contract.
 */
export function createEngine(options: EngineOptions): Engine {
  const log = options.log ?? consoleLog;
  const store = openSafeStore(options.dataDir, { nativeBinding: options.nativeBinding });
  const db = store.db;
  for (const incident of store.incidents) log('error', `store: ${incident.detail} Lost: ${incident.lost}.`);
  log(
    'debug',
    `store: ${store.file} opened (${store.checked === 'closed cleanly' ? 'quick_check skipped: closed cleanly, unchanged since' : store.checked})`,
  );
  const events = createEventBus(log);
  const audit = auditRepo(db);
  const hooks: { name: string; hooks: LifecycleHooks }[] = [];

  /** Runs one hook of every domain in order; a failing hook is logged and the others go on. */
  const runHooks = async (hook: keyof LifecycleHooks, run: (h: LifecycleHooks) => unknown): Promise<void> => {
    for (const domain of hooks) {
      try {
        await run(domain.hooks);
      } catch (error) {
        log('error', `${domain.name}.${hook} failed: ${(error as Error).message}`);
      }
    }
  };

  let statusTimer: NodeJS.Timeout | null = null;
  const statusChanged = (): void => {
    if (statusTimer) return;
    statusTimer = setTimeout(() => {
      statusTimer = null;
      events.emit({ type: 'status', status: status() });
    }, STATUS_COALESCE_MS);
  };

  const connectionsTable = connectionsRepo(db);
  // The runner and the connector need each other at run time (a session opens, then the runner starts on it):
  // the connector is created first and reaches the runner through these callbacks, which run only later.
  const connector: Connector = new Connector({
    dataDir: options.dataDir,
    embeddedStarting: options.embeddedStarting,
    secrets: options.secrets,
    log,
    repo: connectionsTable,
    migratedBy: migratedByRepo(db),
    onStatus: statusChanged,
    onSnapshot: (profile, snapshot) => overview.snapshot(profile, snapshot),
    async opened(session) {
      runner.sessionOpening();
      connectedAtStart?.();
      connectedAtStart = undefined;
      await runHooks('onSessionOpen', (h) => h.onSessionOpen?.(session));
      await runner.sessionOpened(session);
    },
    async closing(session) {
      const report = await runner.sessionClosing();
      if (session) await runHooks('onSessionClose', (h) => h.onSessionClose?.(session));
      return report;
    },
  });
  const sessions: Sessions = connector;
  /** start()'s onConnected, until the session it opens is open. */
  let connectedAtStart: (() => void) | undefined;

  const ownPools = ownPoolsRepo(db);
  const runner: RunnerDomain = createRunner({
    log,
    sessions,
    pools: ownPools,
    pickDirectory: options.pickDirectory,
    onChange: statusChanged,
    onPool: (poolId, session) => void runHooks('onRunnerPool', (h) => h.onRunnerPool?.(poolId, session)),
    extras: (session) => ({
      tasks: Object.assign({}, ...hooks.map((d) => d.hooks.tasks?.(session) ?? {})) as TaskList,
      crontab: hooks.flatMap((d) => d.hooks.crontab?.(session) ?? []),
    }),
    demoWorker: options.demoWorker,
  });
  const hosted = runner.hosted;

  const storeGuard = guardStoreFile({
    db,
    file: store.file,
    intervalMs: options.storeCheckMs ?? 5_000,
    log,
    onIncident: (incident) => {
      store.incidents.push(incident);
      statusChanged();
    },
  });

  const status = (): EngineStatus => ({
    mode: options.mode,
    dataDir: options.dataDir,
    store: { file: store.file, incidents: [...store.incidents] },
    connection: connector.status(),
    runner: runner.status(),
    demo: runner.demoStatus(),
    secretsStorable: options.secrets?.available() ?? false,
  });

  // What needs attention, from the domains that know (created below; read only once counts come in).
  const overview = createOverview({
    db,
    sessions,
    events,
    log,
    depthSampleMs: options.depthSampleMs ?? 5000,
    troubleEveryMs: options.troubleEveryMs,
    trouble: {
      stuck: () => stuck.report(20, false),
      pauses: () => Promise.resolve(control.handlers['control.list']({})),
      failures: () => Promise.resolve(history.handlers['history.summary']({ window: '1h' })),
    },
  });
  const connections = createConnections({ mode: options.mode, secrets: options.secrets, repo: connectionsTable, connector, status });
  const history = createHistory({
    db,
    log,
    sessions,
    isHostedPool: (poolId) => ownPools.all().has(poolId),
    hostedRecording: () => runner.recording(),
    isSavedConnection: (id) => connectionsTable.get(id) !== undefined,
    // The usage domain is created just below; these run only once attempts are read.
    onAttempts: (batch) => usage.recordBatch(batch),
    priceUsage: (u, at) => usage.priceAttempt(u, at),
    restoreIndexes: async (table) => {
      await restoreIndexesOffThread(db, table, {
        nativeBinding: options.nativeBinding,
        between: () => new Promise((resolve) => setImmediate(resolve)),
        onFallback: (error) => log('warn', `indexes built on the main thread: ${(error as Error).message}`),
      });
    },
  });
  const usage: UsageDomain = createUsage({ db, connectionFor: (id) => history.connectionFor(id) });
  // Whether a pool runs, for every view and every unlock. Unknown pools are judged against the stuck view's
  // default threshold, read when judging (the stuck domain is created below).
  const liveness = createPoolLiveness({
    own: () => ownPools.all(),
    currentPoolId: () => hosted.poolId(),
    judgeAfterMs: (connectionId) => stuck.defaultThresholdMs(connectionId),
  });
  const jobs = createJobs({ sessions, audit, events, hosted, history, liveness });
  const recovery = createRecovery({ db, sessions, pools: ownPools, hosted, liveness, audit, events, log, ...options.recovery });
  const stuck: StuckDomain = createStuck({
    db,
    sessions,
    audit,
    hosted,
    liveness,
    bulk: jobs.bulk,
    screenTransient: jobs.screenTransient,
    lastRecovery: recovery.last,
  });
  const backfill = createBackfill({ db, sessions, audit, events, hosted });
  const control = createControl({ sessions, audit, events, log });
  // Every trip raises an alert and every resume resolves it; called only at run time, once alerts exists.
  const breaker = createBreaker({ db, sessions, audit, events, log, control, onBreaker: (event) => alertOnBreaker(alerts, event) });
  const workers = createWorkers({
    sessions,
    hosted,
    liveness,
    hostedConcurrency: () => runner.status().concurrency,
    hostedRecording: () => runner.recording(),
    ownPools: () => ownPools.all(),
  });

  // The hosted runner's crontab as the domains give it (backfill's schedules, and any other domain's lines).
  const cron = createCron({
    sessions,
    runnerRunning: () => hosted.poolId() !== null,
    crontab: (session) =>
      hooks.flatMap((d) =>
        (d.hooks.crontab?.(session) ?? []).map((line) => ({ line, source: d.name === 'backfill' ? 'backfill' : 'runner' }) as const),
      ),
  });

  const alerts: AlertsDomain = createAlerts({
    db,
    log,
    events,
    mode: options.mode,
    secrets: options.secrets,
    ...options.alerts,
    // Each figure comes from the domain that already computes it (see alerts/sources.ts).
    sources: {
      active: () => {
        const profile = sessions.current()?.profile;
        return profile ? { id: profile.id, label: profile.name } : null;
      },
      snapshot: () => sessions.current()?.latest() ?? null,
      // Every 30 s, each as of a count begun after the tables last changed.
      stuck: () => stuck.report(20, true),
      due: () => stuck.due(true),
      workers: () => Promise.resolve(workers.handlers['workers.list']({})),
      history: (window, task) => Promise.resolve(history.handlers['history.summary']({ window, task })),
      usage: () => Promise.resolve(usage.handlers['usage.summary']({ window: '24h' })),
      errorTypes: async () => (await history.handlers['history.rules.get']({})).types.map((t) => t.type),
    },
  });

  // Hook order matters: recovery unlocks dead pools before the hosted runner starts; history records last.
  for (const domain of [recovery, backfill, control, breaker, history, usage, alerts, overview])
    if (domain.hooks) hooks.push({ name: domain.name, hooks: domain.hooks });

  const handlers: Handlers = {
    'app.status': () => status(),
    ...connections.handlers,
    ...runner.handlers,
    ...overview.handlers,
    ...history.handlers,
    ...jobs.handlers,
    ...stuck.handlers,
    ...recovery.handlers,
    ...backfill.handlers,
    ...workers.handlers,
    ...cron.handlers,
    ...usage.handlers,
    ...control.handlers,
    ...breaker.handlers,
    ...alerts.handlers,
  };
  const operations = { handlers, sessions, log, audit, oneAtATime: oneAtATime() };

  /** The last start (start() returns it): stop() lets it finish first. */
  let starting: Promise<void> | null = null;
  const startUp = async (start: StartOptions): Promise<void> => {
    runner.configure({
      concurrency: start.concurrency,
      taskDirectory: start.taskDirectory,
      wanted: !start.offline && start.runner !== false,
      demo: !start.offline && !start.databaseUrl && start.demo !== false,
    });
    if (start.offline) return;
    connectedAtStart = start.onConnected;
    try {
      await connector.connectAtStart(start.databaseUrl);
    } finally {
      connectedAtStart = undefined;
    }
  };

  return {
    call: (name, input) => callOperation(operations, name, input),
    subscribe: (listener) => events.subscribe(listener),
    initialEvents() {
      const latest = overview.latest();
      return latest
        ? [
            { type: 'status', status: status() },
            { type: 'overview', snapshot: latest },
          ]
        : [{ type: 'status', status: status() }];
    },
    status,
    embeddedCluster: () => connector.embeddedCluster(),
    parts: {
      db,
      audit,
      sessions,
      hosted,
      runner,
      history,
      recovery,
      alerts,
      checkStore: () => storeGuard.check(),
      hooks: Object.fromEntries(hooks.map((d) => [d.name, d.hooks])),
    },

    start(start = {}) {
      starting = startUp(start);
      return starting;
    },

    async stop(timeoutMs = 10_000) {
      // A stop right after the ready line (which comes before the runner has started) lets the start finish first,
      // so that nothing starts on a session being closed; bounded, like the rest of the stop.
      if (starting) await settledWithin(starting, timeoutMs);
      const report = await runner.sessionClosing(timeoutMs);
      await runner.close();
      await connector.stop();
      await runHooks('stop', (h) => h.stop?.());
      if (statusTimer) clearTimeout(statusTimer);
      events.clear();
      await connector.stopEmbedded();
      await storeGuard.beforeClose();
      db.close();
      storeGuard.afterClose();
      // The next start may trust the file without reading it through, unless something happened to it meanwhile.
      if (!storeGuard.sawTrouble()) noteCleanClose(store.file);
      store.releaseFolder();
      return report;
    },
  };
}

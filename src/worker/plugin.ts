import type { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { Job, TaskList, Worker, WorkerPool } from 'graphile-worker';
import { RateLimitedLog, type CompanionLogger } from './log.ts';
import { resolveOptions, type JobdeckOptions } from './options.ts';
import type { PauseWatcher } from './pause-watcher.ts';
import { PoolRecorder } from './pool-recorder.ts';
import { companionGlobal } from './registry.ts';
import { COMPANION_VERSION } from './version.ts';
import { wrapTaskList } from './wrap-tasks.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- graphile-config's options live in this global namespace
  namespace GraphileConfig {
    interface Preset {
      /** Settings of the Jobdeck companion (jobdeck/worker). */
      jobdeck?: JobdeckOptions;
    }
  }
}

/**
 * What the companion reads from graphile-worker's plugin context. Kept structural and minimal: the context of
 * 0.16 and 0.17 differ (0.17 adds middleware; events carry `ctx` only since 0.17).
 */
export interface WorkerContext {
  version?: string;
  events?: EventEmitter;
  logger?: CompanionLogger;
  resolvedPreset?: { worker?: { connectionString?: string }; jobdeck?: JobdeckOptions };
  _rawOptions?: { pgPool?: { options?: pg.PoolConfig }; forbiddenFlags?: unknown; [BEFORE_FETCH]?: BeforeFetchHook };
}

const BEFORE_FETCH = Symbol.for('jobdeck.beforeFetch.v1');

/** The pool whose pauses a fetch waits on (set when its recorder starts). */
interface BeforeFetchHook {
  watcher: PauseWatcher | null;
}

type FlagsResult = null | string[] | Promise<null | string[]>;

/**
 * graphile-worker calls `forbiddenFlags` (when it is a function) before every fetch, and awaits it: the one
 * point where the companion can act before a job is taken. While a named queue is paused, the pool's pause
 * watcher parks what arrived first (see PauseWatcher.beforeFetch); the user's own forbiddenFlags (a list or a
 * function) is kept and still decides the flags. Installed once per options object, before any worker exists.
 */
function installBeforeFetch(ctx: WorkerContext): void {
  const raw = ctx._rawOptions;
  if (!raw || raw[BEFORE_FETCH] || Object.isFrozen(raw)) return;
  const hook: BeforeFetchHook = { watcher: null };
  const original = raw.forbiddenFlags;
  const userFlags = (): FlagsResult =>
    typeof original === 'function' ? (original as () => FlagsResult)() : ((original as string[] | undefined) ?? null);
  raw[BEFORE_FETCH] = hook;
  raw.forbiddenFlags = (): FlagsResult => {
    let wait: Promise<void> | null = null;
    try {
      wait = hook.watcher?.beforeFetch() ?? null;
    } catch {
      // never reach the worker
    }
    return wait ? wait.then(userFlags) : userFlags();
  };
}

/** Subscribes once per events emitter (several runners may share one), routing each event to its pool. */
function attach(ctx: WorkerContext): void {
  const events = ctx.events;
  const g = companionGlobal();
  try {
    installBeforeFetch(ctx);
  } catch {
    // pauses of named queues then rely on the sweeps alone
  }
  if (!events || g.emitters.has(events)) return;
  g.emitters.add(events);
  // Listeners must never throw: graphile-worker 0.16 emits without a try/catch, inside the job's own path.
  events.on('pool:create', (e: { workerPool: WorkerPool; ctx?: WorkerContext }) => {
    try {
      recorderFor(e.ctx ?? ctx, e.workerPool);
    } catch (error) {
      g.log.error('attach', `could not start for a pool: ${String(error)}`);
    }
  });
  events.on('worker:create', (e: { worker: Worker; tasks?: TaskList; ctx?: WorkerContext }) => {
    try {
      const rec = recorderFor(e.ctx ?? ctx, e.worker.workerPool);
      if (!rec) return;
      rec.onWorkerCreate(e.worker, e.tasks);
      if (e.tasks) wrapTaskList(e.tasks, rec.log);
    } catch {
      // never reach the worker
    }
  });
  events.on('job:start', (e: { worker: Worker; job: Job }) => {
    try {
      const rec = g.pools.get(e.worker.workerPool);
      if (rec) (rec as PoolRecorder).onJobStart(e.job);
    } catch {
      // never reach the job
    }
  });
  events.on('job:complete', (e: { worker: Worker; job: Job; error: unknown }) => {
    try {
      const rec = g.pools.get(e.worker.workerPool);
      if (rec) (rec as PoolRecorder).onJobComplete(e.job, e.error);
    } catch {
      // never reach the job
    }
  });
  events.on('pool:release', (e: { workerPool: WorkerPool }) => {
    try {
      const rec = g.pools.get(e.workerPool);
      if (rec) void (rec as PoolRecorder).stop();
    } catch {
      // ignore
    }
  });
}

/** The pool's recorder, created on first sight (pool:create, or the first worker's startWorker hook). */
function recorderFor(ctx: WorkerContext, workerPool: WorkerPool): PoolRecorder | null {
  const g = companionGlobal();
  if (g.pools.has(workerPool)) return g.pools.get(workerPool) as PoolRecorder | null;
  const log = new RateLimitedLog(ctx.logger ?? undefined);
  // A global made by an earlier copy of the companion has a log without this method.
  if (typeof g.log.adoptOnce === 'function') g.log.adoptOnce(ctx.logger);
  const { options, problems } = resolveOptions(ctx.resolvedPreset?.jobdeck);
  for (const p of problems) log.warn(`option:${p}`, p);
  if (!options.enabled) {
    g.pools.set(workerPool, null);
    return null;
  }
  const rec = new PoolRecorder({
    workerPool,
    options,
    connection: connectionConfig(ctx, options.connectionString),
    graphileWorkerVersion: ctx.version ?? null,
    log,
  });
  g.pools.set(workerPool, rec);
  g.live.add(rec);
  const hook = ctx._rawOptions?.[BEFORE_FETCH];
  if (hook) hook.watcher = rec.pauseWatcher;
  rec.start();
  return rec;
}

/**
 * Same database as the worker unless told otherwise, decided in graphile-worker's own order: a pgPool it was given
 * (its settings), else its connection string. The pool comes first: with one, graphile-worker's resolved
 * connectionString is only its default (DATABASE_URL), which may name another database.
 */
export function connectionConfig(ctx: WorkerContext, explicit: string | undefined): pg.ClientConfig {
  if (explicit) return { connectionString: explicit };
  const poolOptions = ctx._rawOptions?.pgPool?.options;
  if (poolOptions) {
    const { connectionString, host, port, user, password, database, ssl, keepAlive } = poolOptions;
    return { connectionString, host, port, user, password, database, ssl, keepAlive };
  }
  const fromPreset = ctx.resolvedPreset?.worker?.connectionString;
  if (fromPreset) return { connectionString: fromPreset };
  return {};
}

/**
 * The graphile-config plugin. Hooks used (all present in graphile-worker 0.16 and 0.17):
 * - `init`: subscribe to the runner's events emitter (pool:create, worker:create, job:start, job:complete,
 *   pool:release); events are how the companion sees every attempt without touching the job's path.
 * - `startWorker`: runs before each worker's first job fetch, with the task list the worker will index: the
 *   handlers are wrapped there (per-job abort signal, AsyncLocalStorage context when on, cancel as success). It also
 *   starts the pool's recorder if `init` came too late (a plugin before us returning a promise).
 * - `stopWorker`: graphile-worker's graceful shutdown waits for it; when the pool's last worker stops, the
 *   companion does its bounded final flush and marks the pool stopped before the process exits.
 */
export const JobdeckPlugin: GraphileConfig.Plugin = {
  name: 'JobdeckCompanionPlugin',
  version: COMPANION_VERSION,
  description: 'Records attempts, heartbeats, durations and LLM usage into the jobdeck schema; obeys cancel requests',
  worker: {
    hooks: {
      init(ctx: unknown) {
        try {
          attach(ctx as WorkerContext);
        } catch {
          // never break the worker's start
        }
      },
      startWorker(ctx: unknown, event: { worker: Worker; tasks: TaskList }) {
        try {
          attach(ctx as WorkerContext);
          const rec = recorderFor(ctx as WorkerContext, event.worker.workerPool);
          if (!rec) return;
          // This ctx is the one whose options the workers read forbiddenFlags from (a pool event's may not be).
          const hook = (ctx as WorkerContext)._rawOptions?.[BEFORE_FETCH];
          if (hook) hook.watcher = rec.pauseWatcher;
          rec.onWorkerCreate(event.worker, event.tasks);
          wrapTaskList(event.tasks, rec.log);
        } catch {
          // never break the worker's start
        }
      },
      stopWorker(_ctx: unknown, event: { worker: Worker }) {
        try {
          const rec = companionGlobal().pools.get(event.worker.workerPool) as PoolRecorder | null | undefined;
          return rec?.onWorkerStop(event.worker);
        } catch {
          return undefined;
        }
      },
    },
  },
};

/** Add to graphile-worker with `extends: [JobdeckPreset]` (graphile.config.ts, or `run({ preset })`). */
export const JobdeckPreset: GraphileConfig.Preset = {
  plugins: [JobdeckPlugin],
};

import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Job, Logger, Runner, TaskList, WorkerEvents } from 'graphile-worker';
import { JobdeckPreset, companionStats, type JobdeckOptions } from '../../worker/index.ts';
import { JobAborts } from './job-abort.ts';
import { settledWithin } from '../settled-within.ts';
import { settleStoppedPoolAt, withOwnClient, type SettleReport } from './settle-pool.ts';

/**
 * A job of this runner started or ended, for live status and for a cancel waiting on its end. The attempt itself
 * (duration, error, usage) is the companion's to record: this is only the signal, kept to one small object per event.
 */
export interface RunnerJobEvent {
  kind: 'start' | 'success' | 'error' | 'cancelled';
  job: Job;
}

export interface RunnerHostOptions {
  connectionString: string;
  concurrency: number;
  /** The demo's tasks, or null to load `taskDirectory`. */
  taskList: TaskList | null;
  taskDirectory: string | null;
  /** Jobdeck's own tasks (not wrapped for cancel, not counted as the operator's). */
  extraTasks?: TaskList;
  crontab?: string[];
  logger: Logger;
  pollInterval?: number;
  /** Settings of the companion in this runner (tests: a shorter heartbeat). */
  companion?: JobdeckOptions;
  onPoolCreated?(poolId: string): void;
}

/** What the companion in the hosted runner says of its writes (its in-memory counters). */
export interface CompanionHealth {
  /** A heartbeat or a flush has succeeded, and nothing failed since. */
  writing: boolean;
  /** The last statement failed: attempts are kept in memory (bounded) and retried. */
  failing: boolean;
  lastError: string | null;
  /** schema (missing or behind), permission, connection, data, other. */
  lastErrorKind: string | null;
  buffered: number;
  dropped: number;
}

export interface StopReport {
  /** Jobs still running at the deadline, aborted so graphile-worker retries them. */
  aborted: number;
  timedOut: boolean;
  /** What became of jobs the stopped pool still held (outcomes lost in a database outage); null when not settled. */
  settled?: SettleReport | null;
  /** The pool stopped but its jobs could not be settled (the database was unreachable): to be done later. */
  settleFailed?: boolean;
}

/** What the host tells its controller besides job events. */
export interface RunnerHostEvents {
  job: [RunnerJobEvent];
  /** The runner lost its database connection (its listener failed): outcomes may not be written meanwhile. */
  outage: [];
  /** The listener connected again after an outage: the pool may hold jobs whose outcome was lost. */
  reconnected: [];
  /** The pool ended without being asked to (graphile-worker shut it down after an error). */
  exited: [Error | null];
}

/** Ends a runner's pool, bounded: a client a hung task still holds is not waited for. */
async function endPool(pgPool: pg.Pool | null): Promise<void> {
  if (pgPool) await settledWithin(pgPool.end(), 2_000);
}

/** graphile-worker's own default (maxPoolSize), kept for the pool the runner now makes itself. */
const GRAPHILE_WORKER_POOL_SIZE = 10;

/**
 * The graphile-worker runner hosted by Jobdeck: a worker like any other, with the companion (jobdeck/worker) in
 * it, which records every attempt, duration and usage into the jobdeck schema, heartbeats the pool and gives every
 * job its own abort signal. It never installs signal handlers (the console decides when to stop) and reports job
 * events for the live status and the cancels this console makes in process.
 */
export class RunnerHost extends EventEmitter<RunnerHostEvents> {
  private runner: Runner | null = null;
  private stopping = false;
  /** graphile-worker began shutting the pool down without being asked (see wireEvents). */
  private shutDownByItself = false;
  /** Since when the database has been unreachable for this runner (ms), or null. */
  outageSince: number | null = null;
  private releaseTasks: (() => Promise<void>) | null = null;
  readonly aborts = new JobAborts();
  poolId: string | null = null;
  tasks: string[] = [];
  /** The runner's connections (see ownPool). */
  private pgPool: pg.Pool | null = null;

  constructor(readonly options: RunnerHostOptions) {
    super();
  }

  async start(): Promise<void> {
    const { options } = this;
    let tasks = options.taskList;
    if (!tasks) {
      if (!options.taskDirectory) throw new Error('No task source: choose a task directory or use the demo tasks');
      const { getTasks } = await import('graphile-worker');
      const watched = await getTasks({ connectionString: options.connectionString, logger: options.logger }, options.taskDirectory);
      this.releaseTasks = () => Promise.resolve(watched.release());
      tasks = watched.tasks;
      if (Object.keys(tasks).length === 0) throw new Error(`No tasks found in ${options.taskDirectory}`);
    }
    this.tasks = Object.keys(tasks).sort();
    // A list of our own: the companion wraps the handlers of the list graphile-worker runs from, in place.
    const taskList: TaskList = { ...options.extraTasks, ...tasks };
    // Our own emitter, wired before run(): pool:create fires before run() resolves.
    const events: WorkerEvents = new EventEmitter();
    this.wireEvents(events);
    const pgPool = this.ownPool();
    try {
      this.runner = await this.runWith(pgPool, events, taskList);
    } catch (error) {
      await endPool(this.pgPool);
      this.pgPool = null;
      throw error;
    }
  }

  /**
   * graphile-worker ends a pool it made itself without waiting for it, and removes its error listener first: a
   * server that stops in that moment (the embedded one, when the console quits) then crashes the process with an
   * unhandled 'error' (seen in the runner bench). A pool of our own keeps its listener, and stop() ends it.
   */
  private ownPool(): pg.Pool {
    const pgPool = new pg.Pool({
      connectionString: this.options.connectionString,
      max: GRAPHILE_WORKER_POOL_SIZE,
      // Named, so a DBA can tell the console's runner in pg_stat_activity (the companion's is jobdeck-companion).
      application_name: 'jobdeck-runner',
    });
    // Both listeners, as graphile-worker expects of a pool it is given: an idle client's error reaches the pool, a
    // checked-out client's its own (pg then fails that client's next query, which graphile-worker handles).
    const warn = (error: Error) => this.options.logger.warn(`Runner connection error: ${error.message}`);
    pgPool.on('error', warn);
    pgPool.on('connect', (client) => client.on('error', warn));
    this.pgPool = pgPool;
    return pgPool;
  }

  private async runWith(pgPool: pg.Pool, events: WorkerEvents, taskList: TaskList): Promise<Runner> {
    const { options } = this;
    // Loaded here, not with the console: a start's ready line does not wait for graphile-worker's modules.
    const { run } = await import('graphile-worker');
    return run({
      events,
      // The companion, as in any other worker: the one path that records attempts for the console (docs/companion.md).
      // Outcomes written in batches: graphile-worker 0.17 writes an unbatched one without awaiting it, so a write
      // that meets a database outage is an unhandled rejection; a failed batch instead shuts the pool down
      // cleanly, and the controller renews it and settles its jobs as the companion recorded them.
      preset: { extends: [JobdeckPreset], jobdeck: options.companion, worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
      pgPool,
      taskList,
      crontab: options.crontab?.length ? options.crontab.join('\n') : undefined,
      concurrency: options.concurrency,
      pollInterval: options.pollInterval ?? 1000,
      noHandleSignals: true,
      logger: options.logger,
      // Our own stop() bounds the wait and aborts per job; keep graphile-worker's fallback abort later.
      gracefulShutdownAbortTimeout: 60_000,
    });
  }

  private wireEvents(events: WorkerEvents): void {
    events.on('pool:create', ({ workerPool }) => {
      this.poolId = workerPool.id;
      this.options.onPoolCreated?.(workerPool.id);
    });
    // graphile-worker shuts a pool down by itself when it cannot write an outcome (a batch that failed).
    events.on('pool:gracefulShutdown', ({ message }) => {
      if (this.stopping) return;
      this.shutDownByItself = true;
      this.emit('exited', new Error(message));
    });
    events.on('pool:listen:error', () => {
      if (this.outageSince !== null) return;
      this.outageSince = Date.now();
      this.emit('outage');
    });
    events.on('pool:listen:success', () => {
      if (this.outageSince === null) return;
      this.outageSince = null;
      this.emit('reconnected');
    });
    events.on('job:start', ({ job }) => {
      this.aborts.started(job);
      this.emit('job', { kind: 'start', job });
    });
    events.on('job:success', ({ job }) => {
      this.emit('job', { kind: this.aborts.ended(job.id) ? 'cancelled' : 'success', job });
    });
    events.on('job:error', ({ job }) => {
      this.aborts.ended(job.id);
      this.emit('job', { kind: 'error', job });
    });
  }

  runningJobs(): number {
    return this.aborts.count();
  }

  /** The companion's account of its own writes for this runner's pool; null before the pool exists. */
  companionHealth(): CompanionHealth | null {
    const stats = companionStats().find((s) => s.poolId === this.poolId);
    if (!stats) return null;
    return {
      writing: stats.writing === true,
      failing: stats.failing === true,
      lastError: typeof stats.lastError === 'string' ? stats.lastError : null,
      lastErrorKind: typeof stats.lastErrorKind === 'string' ? stats.lastErrorKind : null,
      buffered: typeof stats.buffered === 'number' ? stats.buffered : 0,
      dropped: typeof stats.attemptsDropped === 'number' ? stats.attemptsDropped : 0,
    };
  }

  /** Stop taking jobs; after `timeoutMs` abort the ones still running (they fail and are retried). */
  async stop(timeoutMs = 10_000): Promise<StopReport> {
    const runner = this.runner;
    this.runner = null;
    this.stopping = true;
    if (!runner) return { aborted: 0, timedOut: false };
    // A pool that graphile-worker is already shutting down refuses stop(): wait for its end all the same, since
    // settling its jobs while one of them still runs would let another worker start it a second time.
    const stopping = runner
      .stop()
      .catch(() => {})
      .then(() => runner.promise)
      .catch(() => {});
    let runnerFinished = false;
    void stopping.then(() => (runnerFinished = true));
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    // A pool graphile-worker shut down by itself can hang in its clean-up after a database outage: once its tasks
    // have all ended, nothing of it runs any more, which is all that settling its jobs needs.
    const idle = new Promise<'stopped'>((resolve) => {
      poll = setInterval(() => this.shutDownByItself && this.aborts.count() === 0 && resolve('stopped'), 100);
    });
    const first = await Promise.race([stopping.then(() => 'stopped' as const), deadline, idle]);
    clearTimeout(timer);
    clearInterval(poll);
    let aborted = 0;
    let stopped = first === 'stopped';
    if (!stopped) {
      aborted = this.aborts.abortAll('shutdown');
      stopped = (await Promise.race([stopping.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 5_000))])) === true;
      if (!stopped) stopped = this.aborts.count() === 0;
    }
    await this.releaseTasks?.().catch(() => {});
    this.releaseTasks = null;
    // The pool ends once graphile-worker is done with it (its clean-up may still write after the tasks end): now
    // when it is, so the connections are closed when stop() returns; otherwise when it is (its listeners stay).
    const pgPool = this.pgPool;
    this.pgPool = null;
    if (runnerFinished) await endPool(pgPool);
    else void stopping.then(() => endPool(pgPool));
    // A task that ignores its abort signal may still be running: its locks stay until this process is gone
    // (start-up recovery then clears them), so no other worker starts the same job alongside it.
    let settled: SettleReport | null = null;
    if (stopped) settled = await this.settleOwnJobs();
    else this.options.logger.error(`${this.aborts.running().length} job(s) ignored their abort signal; their locks are kept`);
    return { aborted, timedOut: first === 'timeout', settled, settleFailed: stopped && settled === null };
  }

  /**
   * How many jobs this pool holds in the database while not running them: their outcome write was lost. A job that
   * has just ended is held for a moment while its outcome is written, so only jobs held twice, a little apart, count.
   */
  async lostOutcomes(settleMs = 2_000): Promise<number> {
    const poolId = this.poolId;
    if (!poolId) return 0;
    return withOwnClient(this.options.connectionString, async (client) => {
      const held = async () => {
        const { rows } = await client.query<{ id: string }>(`select id::text from graphile_worker.jobs where locked_by = $1`, [poolId]);
        // Read after the query: a job locked before it has been announced (job:start) by the time it answers.
        const running = new Set(this.aborts.running());
        return new Set(rows.map((r) => r.id).filter((id) => !running.has(id)));
      };
      const first = await held();
      if (first.size === 0) return 0;
      await new Promise((resolve) => setTimeout(resolve, settleMs));
      const second = await held();
      return [...first].filter((id) => second.has(id)).length;
    });
  }

  /**
   * Our pool is gone now, yet graphile-worker may still show jobs locked by it: 0.17 records the failure of a job
   * aborted during shutdown without awaiting it (the write is lost when the pool closes), and an outcome written
   * during a database outage is lost too. Such a job would stay locked by a pool that no longer exists for 4 hours:
   * settle it as the companion recorded it ended, or release it (settle-pool.ts). Null when it could not be done
   * (the database is unreachable): start-up recovery releases the pool's jobs later.
   */
  private settleOwnJobs(): Promise<SettleReport | null> {
    if (!this.poolId) return Promise.resolve(null);
    return settleStoppedPoolAt(this.options.connectionString, this.poolId, (m) => this.options.logger.error(m));
  }
}

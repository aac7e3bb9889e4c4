import { EventEmitter } from 'node:events';
import pg from 'pg';
import { getTasks, run, type Job, type Logger, type Runner, type TaskList, type WorkerEvents } from 'graphile-worker';
import { JobdeckPreset, companionStats, type JobdeckOptions } from '../../worker/index.ts';
import { JobAborts } from './job-abort.ts';

/** What the runner reports about each job, for live status and for Jobdeck's history. */
export type RunnerJobEvent =
  | { kind: 'start'; job: Job; poolId: string; at: number }
  | { kind: 'success'; job: Job; poolId: string; at: number; durationMs: number }
  | { kind: 'error'; job: Job; poolId: string; at: number; durationMs: number; error: string; willRetry: boolean }
  | { kind: 'cancelled'; job: Job; poolId: string; at: number; durationMs: number };

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
}

const errorText = (error: unknown) =>
  error instanceof Error ? `${error.name && error.name !== 'Error' ? `${error.name}: ` : ''}${error.message}` : String(error);

/**
 * The graphile-worker runner hosted by Jobdeck: a worker like any other, with the companion (jobdeck/worker) in
 * it, which records every attempt, duration and usage into the jobdeck schema, heartbeats the pool and gives every
 * job its own abort signal. It never installs signal handlers (the console decides when to stop) and reports job
 * events for the live status and the cancels this console makes in process.
 */
export class RunnerHost extends EventEmitter<{ job: [RunnerJobEvent] }> {
  private runner: Runner | null = null;
  private releaseTasks: (() => Promise<void>) | null = null;
  private readonly started = new Map<string, number>();
  readonly aborts = new JobAborts();
  poolId: string | null = null;
  tasks: string[] = [];

  constructor(readonly options: RunnerHostOptions) {
    super();
  }

  async start(): Promise<void> {
    const { options } = this;
    let tasks = options.taskList;
    if (!tasks) {
      if (!options.taskDirectory) throw new Error('No task source: choose a task directory or use the demo tasks');
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
    this.runner = await run({
      events,
      // The companion, as in any other worker: the one path that records attempts for the console (docs/companion.md).
      preset: { extends: [JobdeckPreset], jobdeck: options.companion },
      connectionString: options.connectionString,
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
    const base = (job: Job) => ({ job, poolId: this.poolId ?? 'unknown', at: Date.now() });
    const duration = (job: Job) => Date.now() - (this.started.get(job.id) ?? Date.now());
    events.on('job:start', ({ job }) => {
      this.started.set(job.id, Date.now());
      this.aborts.started(job);
      this.emit('job', { kind: 'start', ...base(job) });
    });
    events.on('job:success', ({ job }) => {
      const cancelled = this.aborts.ended(job.id);
      this.emit('job', { kind: cancelled ? 'cancelled' : 'success', ...base(job), durationMs: duration(job) });
      this.started.delete(job.id);
    });
    events.on('job:error', ({ job, error }) => {
      // job.attempts counts the try that just failed.
      const willRetry = job.attempts < job.max_attempts;
      this.aborts.ended(job.id);
      this.emit('job', { kind: 'error', ...base(job), durationMs: duration(job), error: errorText(error), willRetry });
      this.started.delete(job.id);
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
    if (!runner) return { aborted: 0, timedOut: false };
    const stopping = runner.stop().catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const first = await Promise.race([stopping.then(() => 'stopped' as const), deadline]);
    clearTimeout(timer);
    let aborted = 0;
    let stopped = first === 'stopped';
    if (!stopped) {
      aborted = this.aborts.abortAll('shutdown');
      stopped = (await Promise.race([stopping.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 5_000))])) === true;
    }
    await this.releaseTasks?.().catch(() => {});
    this.releaseTasks = null;
    // A task that ignores its abort signal may still be running: its locks stay until this process is gone
    // (start-up recovery then clears them), so no other worker starts the same job alongside it.
    if (stopped) await this.releaseOwnLocks();
    else this.options.logger.error(`${this.aborts.running().length} job(s) ignored their abort signal; their locks are kept`);
    return { aborted, timedOut: first === 'timeout' };
  }

  /**
   * graphile-worker 0.17 records the failure of a job aborted during shutdown without awaiting it, and the write
   * is lost when the pool closes: the job would stay locked by a pool that no longer exists for 4 hours. Our pool
   * is gone now, so release whatever it still holds; the jobs keep their attempts and run again at once.
   */
  private async releaseOwnLocks(): Promise<void> {
    if (!this.poolId) return;
    const client = new pg.Client({ connectionString: this.options.connectionString, connectionTimeoutMillis: 5000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select graphile_worker.force_unlock_workers($1::text[])', [[this.poolId]]);
    } catch (error) {
      this.options.logger.error(`could not release the stopped pool's locks: ${(error as Error).message}`);
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/**
 * graphile-worker's runner with the companion in it, on the runner's own thread: what host.ts did in process
 * before the runner moved off the console's thread (see entry.ts for why).
 */
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Job, Logger, Runner, TaskList, WorkerEvents } from 'graphile-worker';
import { JobdeckPreset } from '../../../worker/index.ts';
import { JobAborts } from '../job-abort.ts';
import { settledWithin } from '../../settled-within.ts';
import { JobEventBatch } from './job-event-batch.ts';
import { NOTHING_TO_STOP, type FromThread, type JobEventKind, type ThreadRunnerOptions, type ThreadStopReport } from './protocol.ts';

/** graphile-worker's own default (maxPoolSize), kept for the pool the runner makes itself. */
const GRAPHILE_WORKER_POOL_SIZE = 10;

/**
 * How long job events wait to be sent to the console, together: a message per event would cost both threads a
 * copy and a wake-up per job. The console's running count, cancels and job pages hear of a start or end this much
 * later.
 */
const JOB_EVENTS_EVERY_MS = 50;

/** Ends a runner's pool, bounded: a client a hung task still holds is not waited for. */
async function endPool(pgPool: pg.Pool | null): Promise<void> {
  if (pgPool) await settledWithin(pgPool.end(), 2_000);
}

export class PoolRunner {
  private runner: Runner | null = null;
  private stopping = false;
  /** graphile-worker began shutting the pool down without being asked (see wireEvents). */
  private shutDownByItself = false;
  private outage = false;
  private silent = false;
  private releaseTasks: (() => Promise<void>) | null = null;
  readonly aborts = new JobAborts();
  poolId: string | null = null;
  private pgPool: pg.Pool | null = null;
  /** Job events not sent yet: sent together every JOB_EVENTS_EVERY_MS (see there). */
  private readonly pendingJobs = new JobEventBatch();
  private jobsTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly options: ThreadRunnerOptions,
    private readonly logger: Logger,
    private readonly postToConsole: (message: FromThread) => void,
  ) {}

  /** Once stopped, this pool says nothing more: a task of it that ignored its abort must not speak for the next pool. */
  private post(message: FromThread): void {
    if (!this.silent) this.postToConsole(message);
  }

  /**
   * Starts graphile-worker with the source's tasks (`own`, or the directory's) and the console's (`remote`);
   * answers the names of the source's tasks.
   */
  async start(own: TaskList, remote: TaskList): Promise<string[]> {
    const { options } = this;
    let tasks = own;
    if (options.source.kind === 'directory') {
      const { getTasks } = await import('graphile-worker');
      const watched = await getTasks({ connectionString: options.connectionString, logger: this.logger }, options.source.path);
      this.releaseTasks = () => Promise.resolve(watched.release());
      if (Object.keys(watched.tasks).length === 0) {
        await this.releaseTasks().catch(() => {});
        throw new Error(`No tasks found in ${options.source.path}`);
      }
      tasks = watched.tasks;
    }
    // Our own emitter, wired before run(): pool:create fires before run() resolves.
    const events: WorkerEvents = new EventEmitter();
    this.wireEvents(events);
    const pgPool = this.ownPool();
    try {
      // A list of our own: the companion wraps the handlers of the list graphile-worker runs from, in place.
      this.runner = await this.runWith(pgPool, events, { ...remote, ...tasks });
    } catch (error) {
      await endPool(this.pgPool);
      this.pgPool = null;
      await this.releaseTasks?.().catch(() => {});
      throw error;
    }
    return Object.keys(tasks);
  }

  /**
   * graphile-worker ends a pool it made itself without waiting for it, and removes its error listener first: a
   * server that stops in that moment (the embedded one, when the console quits) then fails with an unhandled
   * 'error' (seen in the runner bench). A pool of our own keeps its listener, and stop() ends it.
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
    const warn = (error: Error) => this.logger.warn(`Runner connection error: ${error.message}`);
    pgPool.on('error', warn);
    pgPool.on('connect', (client) => client.on('error', warn));
    this.pgPool = pgPool;
    return pgPool;
  }

  private async runWith(pgPool: pg.Pool, events: WorkerEvents, taskList: TaskList): Promise<Runner> {
    const { options } = this;
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
      crontab: options.crontab,
      concurrency: options.concurrency,
      pollInterval: options.pollInterval,
      noHandleSignals: true,
      logger: this.logger,
      // Our own stop() bounds the wait and aborts per job; keep graphile-worker's fallback abort later.
      gracefulShutdownAbortTimeout: 60_000,
    });
  }

  private jobEvent(kind: JobEventKind, job: Job): void {
    this.pendingJobs.add(kind, job.id, job.task_identifier);
    this.jobsTimer ??= setTimeout(() => this.flushJobs(), JOB_EVENTS_EVERY_MS);
  }

  private flushJobs(): void {
    if (this.jobsTimer) clearTimeout(this.jobsTimer);
    this.jobsTimer = null;
    const events = this.pendingJobs.take();
    if (events.length) this.post({ type: 'jobs', events });
  }

  private wireEvents(events: WorkerEvents): void {
    events.on('pool:create', ({ workerPool }) => {
      this.poolId = workerPool.id;
      this.post({ type: 'pool', poolId: workerPool.id });
    });
    // graphile-worker shuts a pool down by itself when it cannot write an outcome (a batch that failed).
    events.on('pool:gracefulShutdown', ({ message }) => {
      if (this.stopping) return;
      this.shutDownByItself = true;
      this.post({ type: 'exited', message });
    });
    events.on('pool:listen:error', () => {
      if (this.outage) return;
      this.outage = true;
      this.post({ type: 'outage' });
    });
    events.on('pool:listen:success', () => {
      if (!this.outage) return;
      this.outage = false;
      this.post({ type: 'reconnected' });
    });
    events.on('job:start', ({ job }) => {
      this.aborts.started(job);
      this.jobEvent('start', job);
    });
    events.on('job:success', ({ job }) => {
      this.jobEvent(this.aborts.ended(job.id) ? 'cancelled' : 'success', job);
    });
    events.on('job:error', ({ job }) => {
      this.aborts.ended(job.id);
      this.jobEvent('error', job);
    });
  }

  /** Stop taking jobs; after `timeoutMs` abort the ones still running (they fail and are retried). */
  async stop(timeoutMs: number): Promise<ThreadStopReport> {
    const runner = this.runner;
    this.runner = null;
    this.stopping = true;
    if (!runner) return NOTHING_TO_STOP;
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
    // when it is, so the connections are closed when stop() answers; otherwise when it is (its listeners stay).
    const pgPool = this.pgPool;
    this.pgPool = null;
    if (runnerFinished) await endPool(pgPool);
    else void stopping.then(() => endPool(pgPool));
    this.flushJobs();
    this.silent = true;
    return { aborted, timedOut: first === 'timeout', stopped, stillRunning: stopped ? 0 : this.aborts.count() };
  }
}

import { EventEmitter } from 'node:events';
import type { Job, JobHelpers, Logger, TaskList } from 'graphile-worker';
import type { JobdeckOptions } from '../../worker/index.ts';
import type { RunningJob } from '../../shared/model/workers.ts';
import type { AbortReason } from './job-abort.ts';
import { settleStoppedPoolAt, withOwnClient, type SettleReport } from './settle-pool.ts';
import { logThreadLine, type RunnerThread, type ThreadEnd, type ThreadLink } from './thread/runner-thread.ts';
import { settledWithin } from '../settled-within.ts';
import {
  NOTHING_TO_STOP,
  type FromThread,
  type JobEventKind,
  type ThreadJob,
  type ThreadStopReport,
  type ThreadTaskSource,
} from './thread/protocol.ts';

/**
 * A job of this runner started or ended, for live status and for a cancel waiting on its end. The attempt itself
 * (duration, error, usage) is the companion's to record: this is only the signal, kept to one small object per event.
 */
export interface RunnerJobEvent {
  kind: JobEventKind;
  job: ThreadJob;
}

export interface RunnerHostOptions {
  connectionString: string;
  concurrency: number;
  /** A task directory or the demo's tasks: loaded on the runner's thread, where they run. */
  source?: Exclude<ThreadTaskSource, { kind: 'none' }>;
  /**
   * Tasks whose functions live on this thread (tests'), run here when the pool calls them, with `job`, `logger`
   * and `abortSignal` as their helpers; counted as the operator's.
   */
  taskList?: TaskList;
  /** Jobdeck's own tasks, run like `taskList` (not counted as the operator's). */
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
  /** The pool ended without being asked to (graphile-worker shut it down after an error, or its thread ended). */
  exited: [Error | null];
  /** The runner's thread failed (an uncaught error there): its pool is gone; `exited` follows. */
  crashed: [Error];
}

/** How long a start waits for the runner's thread to answer (graphile-worker's migrations included). */
const START_TIMEOUT_MS = 120_000;
/** How long a stop waits for tasks of the console's thread to end once asked (as the thread waits after its abort). */
const REMOTE_STOP_WAIT_MS = 5_000;

/**
 * The graphile-worker runner hosted by Jobdeck: a worker like any other, with the companion (jobdeck/worker) in
 * it, which records every attempt, duration and usage into the jobdeck schema, heartbeats the pool and gives every
 * job its own abort signal. graphile-worker runs on a thread of its own (thread/entry.ts says why); this is its
 * side in the console: it starts and stops the pool there, hears its job events for the live status and the
 * cancels this console makes in process, and runs there the tasks whose functions live here. It never installs
 * signal handlers (the console decides when to stop).
 */
export class RunnerHost extends EventEmitter<RunnerHostEvents> {
  private stopping = false;
  private started = false;
  /** Why the pool ended under its jobs (its thread ended, or was ended): nothing of it runs any more. Else null. */
  private endedBy: string | null = null;
  /** Since when the database has been unreachable for this runner (ms), or null. */
  outageSince: number | null = null;
  poolId: string | null = null;
  tasks: string[] = [];
  /**
   * Jobs running in the pool, as its job events tell (a moment behind the thread): by id, with the task and when the
   * console heard of the start (at most JOB_EVENTS_EVERY_MS after it).
   */
  private readonly running = new Map<string, { task: string; at: number }>();
  /** Tasks of this thread running for the pool, by call: how to abort each, and its end. */
  private readonly remoteCalls = new Map<number, { abort: AbortController; done: Promise<void> }>();
  /** This host's hold on the thread, from its start. */
  private link: ThreadLink | null = null;
  private companion: Record<string, unknown> | null = null;
  /** What the thread answers next: a start's or a stop's outcome. */
  private waiting: ((message: FromThread | ThreadEnd) => void) | null = null;
  private readonly listener = (message: FromThread) => this.heard(message);

  constructor(
    readonly options: RunnerHostOptions,
    private readonly thread: RunnerThread,
  ) {
    super();
  }

  async start(): Promise<void> {
    const { options } = this;
    const source: ThreadTaskSource = options.source ?? { kind: 'none' };
    if (source.kind === 'none' && !options.taskList) throw new Error('No task source: choose a task directory or use the demo tasks');
    const remoteTasks = Object.keys({ ...options.extraTasks, ...options.taskList });
    const link = this.thread.attach(this.listener, (end) => this.threadEnded(end));
    this.link = link;
    const answer = await this.next(START_TIMEOUT_MS, () =>
      link.send({
        type: 'start',
        options: {
          connectionString: options.connectionString,
          concurrency: options.concurrency,
          source,
          remoteTasks,
          crontab: options.crontab?.length ? options.crontab.join('\n') : undefined,
          pollInterval: options.pollInterval ?? 1000,
          companion: options.companion,
        },
      }),
    );
    if ('type' in answer && answer.type === 'started') {
      this.started = true;
      this.tasks = [...answer.tasks, ...Object.keys(options.taskList ?? {})].sort();
      return;
    }
    link.release();
    if ('type' in answer && answer.type === 'start-failed') throw new Error(answer.message);
    // No answer in time (graphile-worker's migrations waiting on a lock, say): the thread is ended, so that the pool
    // it may still start does not run on out of the console's reach.
    if (this.endedBy !== null) {
      throw new Error(`The runner's thread ended while starting${'error' in answer && answer.error ? `: ${answer.error.message}` : ''}`);
    }
    await link.end();
    throw new Error(`The runner's thread did not answer within ${START_TIMEOUT_MS / 1000} s while starting`);
  }

  /** Sends what `ask` sends, and resolves with the thread's answer (a start's, a stop's) or its end. */
  private next(timeoutMs: number, ask: () => void): Promise<FromThread | ThreadEnd> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        resolve({ error: new Error(`no answer within ${timeoutMs / 1000} s`) });
      }, timeoutMs);
      this.waiting = (message) => {
        clearTimeout(timer);
        this.waiting = null;
        resolve(message);
      };
      ask();
    });
  }

  private heard(message: FromThread): void {
    switch (message.type) {
      case 'started':
      case 'start-failed':
      case 'stopped':
        return this.waiting?.(message);
      case 'pool':
        this.poolId = message.poolId;
        return this.options.onPoolCreated?.(message.poolId);
      case 'jobs': {
        const at = Date.now();
        for (const { kind, job } of message.events) {
          if (kind === 'start') this.running.set(job.id, { task: job.task, at });
          else this.running.delete(job.id);
          this.emit('job', { kind, job });
        }
        return;
      }
      case 'outage':
        if (this.outageSince !== null) return;
        this.outageSince = Date.now();
        return void this.emit('outage');
      case 'reconnected':
        if (this.outageSince === null) return;
        this.outageSince = null;
        return void this.emit('reconnected');
      case 'exited':
        if (this.stopping) return;
        return void this.emit('exited', new Error(message.message));
      case 'companion':
        this.companion = message.stats;
        return;
      case 'log':
        return logThreadLine(this.options.logger, message);
      case 'remote-task':
        return this.runRemote(message.call, message.name, message.payload, message.job as Job);
      case 'remote-task-abort':
        return this.remoteCalls.get(message.call)?.abort.abort(new Error(message.reason));
    }
  }

  /** A task of this thread, called by the pool on the runner's thread: its outcome goes back there. */
  private runRemote(call: number, name: string, payload: unknown, job: Job): void {
    const task = { ...this.options.extraTasks, ...this.options.taskList }[name];
    const abort = new AbortController();
    const link = this.link;
    const run = async () => {
      if (!task) throw new Error(`No task ${name} in this console`);
      const helpers = {
        job,
        logger: this.options.logger.scope({ label: 'job', taskIdentifier: name, jobId: job.id }),
        abortSignal: abort.signal,
      };
      await task(payload, helpers as unknown as JobHelpers);
    };
    const done = run().then(
      () => link?.send({ type: 'remote-task-done', call, error: null }),
      (e: unknown) =>
        link?.send({
          type: 'remote-task-done',
          call,
          error: { message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined },
        }),
    );
    this.remoteCalls.set(call, { abort, done: done.finally(() => this.remoteCalls.delete(call)) });
  }

  /** The thread ended by itself (an uncaught error in it, say): this pool is gone with it. */
  private threadEnded(end: ThreadEnd): void {
    this.running.clear();
    const why = end.error ? `the runner's thread failed: ${end.error.message}` : "the runner's thread ended";
    this.endedBy = why;
    if (end.error) {
      this.options.logger.error(why);
      this.emit('crashed', end.error);
    }
    if (this.waiting) return this.waiting(end);
    if (!this.stopping && this.started) this.emit('exited', new Error(why));
  }

  runningJobs(): number {
    return this.running.size;
  }

  /** The jobs it runs now, as its job events tell: what the console shows live for its own runner. */
  runningList(): RunningJob[] {
    return [...this.running].map(([jobId, { task, at }]) => ({ jobId, task, queue: null, since: new Date(at).toISOString() }));
  }

  /** Whether this runner is running the job now, as its job events tell. */
  isRunning(jobId: string): boolean {
    return this.running.has(jobId);
  }

  /**
   * Aborts one running job on the runner's thread: `cancel` ends it for good, `shutdown` lets graphile-worker
   * retry it (job-abort.ts). False when this runner is not running it; its end arrives as a job event.
   */
  abort(jobId: string, reason: AbortReason): boolean {
    if (!this.running.has(jobId) || !this.link) return false;
    this.link.send({ type: 'abort', jobId, reason });
    return true;
  }

  /** The companion's account of its writes in this runner's pool, as the runner's thread last sent it. */
  companionStats(): Record<string, unknown> | null {
    return this.companion;
  }

  /** The companion's account of its own writes for this runner's pool; null before the pool exists. */
  companionHealth(): CompanionHealth | null {
    const stats = this.companion;
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
    const link = this.link;
    if (this.stopping || !this.started || !link) return { aborted: 0, timedOut: false };
    this.stopping = true;
    // The thread's own bound: its wait, the abort's 5 s, its pool's end; a thread that does not answer is ended.
    const answer: FromThread | ThreadEnd =
      this.endedBy !== null ? { error: null } : await this.next(timeoutMs + 10_000, () => link.send({ type: 'stop', timeoutMs }));
    let report: ThreadStopReport;
    if ('type' in answer && answer.type === 'stopped') report = answer.report;
    else {
      // Its thread ended, or it does not answer and is ended: nothing of the pool runs there any more.
      const hung = this.endedBy === null;
      if (hung) {
        this.endedBy = "the runner's thread did not answer the stop and was ended";
        await link.end();
      }
      report = { ...NOTHING_TO_STOP, timedOut: hung };
    }
    link.release();
    this.running.clear();
    // Tasks of this thread the pool had called (its thread gone, they run on here): asked to stop, waited for a
    // little; the pool's jobs are settled only once nothing of it runs.
    for (const { abort } of this.remoteCalls.values()) abort.abort(new Error('Jobdeck stopped its runner'));
    await settledWithin(Promise.all([...this.remoteCalls.values()].map((c) => c.done)), REMOTE_STOP_WAIT_MS);
    if (this.remoteCalls.size) report = { ...report, stopped: false, stillRunning: report.stillRunning + this.remoteCalls.size };
    // A task that ignores its abort signal may still be running: its locks stay until this process is gone
    // (start-up recovery then clears them), so no other worker starts the same job alongside it.
    let settled: SettleReport | null = null;
    if (report.stopped) settled = await this.settleOwnJobs();
    else this.options.logger.error(`${report.stillRunning} job(s) ignored their abort signal; their locks are kept`);
    return { aborted: report.aborted, timedOut: report.timedOut, settled, settleFailed: report.stopped && settled === null };
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
        const running = new Set(this.running.keys());
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
   * settle it as the companion recorded it ended, or release it (settle-pool.ts); when the pool ended under its jobs,
   * one with no outcome recorded failed its attempt. Null when it could not be done (the database is unreachable):
   * start-up recovery releases the pool's jobs later.
   */
  private settleOwnJobs(): Promise<SettleReport | null> {
    if (!this.poolId) return Promise.resolve(null);
    const logError = (m: string) => this.options.logger.error(m);
    return settleStoppedPoolAt(this.options.connectionString, this.poolId, logError, this.endedBy ?? undefined);
  }
}

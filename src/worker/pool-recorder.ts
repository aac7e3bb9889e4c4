import type { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import type { Job, Worker, WorkerPool } from 'graphile-worker';
import { asyncContextIsCheap } from './async-context.ts';
import { CompanionDb, classifyError } from './db.ts';
import { JobRun, type RunOwner } from './job-run.ts';
import type { RateLimitedLog } from './log.ts';
import type { ResolvedJobdeckOptions } from './options.ts';
import { PauseWatcher } from './pause-watcher.ts';
import { processInfo } from './process-info.ts';
import { companionGlobal, forgetRun, runOf, setRun, type PoolHandle } from './registry.ts';
import { RETENTION_CATCH_UP_DELAY_MS, runRetention, type RetentionResult } from './retention.ts';
import * as sql from './sql.ts';
import { COMPANION_VERSION } from './version.ts';

export interface PoolRecorderInit {
  workerPool: WorkerPool;
  options: ResolvedJobdeckOptions;
  connection: pg.ClientConfig;
  graphileWorkerVersion: string | null;
  log: RateLimitedLog;
}

/** Rough memory weight of a buffered attempt (bytes), to bound the buffer by size as well as by count. */
const ROW_BYTES = 400;
const MAX_BUFFER_BYTES = 64 * 1024 * 1024;
/** Bound on the cancel requests remembered for retries (each a job id): never reached but by a flood of requests. */
const MAX_CANCEL_ON_START = 10_000;

interface CancelUpdate {
  ids: string[];
  outcome: sql.CancelOutcome;
}

/**
 * Everything the companion does for one graphile-worker pool: its row in jobdeck.workers (heartbeat), the
 * buffer of finished attempts (flushed in one statement per interval), cancel requests for its running jobs,
 * retention when it holds the lock, and the last flush at shutdown. Nothing here may throw into graphile-worker.
 */
export class PoolRecorder implements RunOwner, PoolHandle {
  readonly poolId: string;
  /** asyncContext as resolved for this runtime: 'auto' is true where AsyncLocalStorage is cheap (async-context.ts). */
  private readonly contextMode: boolean | 'auto';
  /** The process-wide registry, read once: the task wrapper asks for the context at every job. */
  private readonly g = companionGlobal();
  readonly keepRawOutput: 'failures' | 'all' | 'none';
  readonly running = new Map<string, JobRun>();
  readonly queueNames = new Map<number, string>();
  private readonly workers = new Set<Worker>();
  private readonly workerIds: string[] = [];
  private taskIdentifiers: string[] = [];
  private buffer: JobRun[] = [];
  private bufferedBytes = 0;
  private cancelUpdates: CancelUpdate[] = [];
  /**
   * Cancel requests that reached an attempt which failed on its own first: graphile-worker retries the job, and the
   * request holds for the next attempt (job id -> request ids). A retry in this pool is cancelled as it starts; one in
   * another pool, at that pool's next heartbeat (the request is pending again in the database).
   */
  private readonly cancelOnStart = new Map<string, string[]>();
  private readonly db: CompanionDb;
  /** Pauses made by the console: this pool's fetches skip paused tasks; waiting jobs are parked. */
  private readonly pauses: PauseWatcher;
  private readonly shard: number;
  private flushTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private heartbeating = false;
  private stopping: Promise<void> | null = null;
  private readonly counters = {
    attemptsRecorded: 0,
    attemptsWritten: 0,
    attemptsDropped: 0,
    flushes: 0,
    flushErrors: 0,
    heartbeats: 0,
    heartbeatErrors: 0,
    usageRefused: 0,
    cancelsReceived: 0,
    retentionDeleted: 0,
  };
  private lastError: string | null = null;
  /** When a statement last failed, and of what kind; when one last succeeded (is the companion writing now?). */
  private lastErrorAt = 0;
  private lastErrorKind: string | null = null;
  private lastOkAt = 0;
  private lastMaxId: string | null = null;
  private lastNotifyAt = 0;

  constructor(private readonly init: PoolRecorderInit) {
    this.poolId = init.workerPool.id;
    const mode = init.options.asyncContext;
    this.contextMode = mode === 'auto' && asyncContextIsCheap() ? true : mode;
    if (this.contextMode === true) this.g.contextOn = true;
    this.keepRawOutput = init.options.keepRawOutput;
    this.shard = shardOf(this.poolId, init.options.rollupShards);
    this.db = new CompanionDb({
      config: init.connection,
      listen: init.options.listen ? ['jobdeck:cancel', 'jobdeck:pause', 'jobs:insert'] : [],
      onNotification: (channel, payload) => this.onNotification(channel, payload),
      migrate: init.options.migrate,
      log: init.log,
    });
    this.pauses = new PauseWatcher({
      db: this.db,
      log: init.log,
      intervalMs: init.options.pauseCheckIntervalMs,
      onError: (where, error) => this.noteError(where, error),
    });
  }

  get pauseWatcher(): PauseWatcher {
    return this.pauses;
  }

  get log(): RateLimitedLog {
    return this.init.log;
  }

  /** Starts the timers; the first heartbeat waits a tick, so the pool's workers are counted. */
  start(): void {
    const { options, workerPool } = this.init;
    const signal = workerPool.abortSignal;
    // One listener per pool (not per job): the pool's abort reaches each running job's own signal.
    signal?.addEventListener?.('abort', () => {
      for (const run of this.running.values()) run.abortFromPool(signal.reason);
    });
    setImmediate(() => void this.heartbeat());
    this.flushTimer = setInterval(() => void this.flush(), options.flushIntervalMs);
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), options.heartbeatIntervalMs);
    this.flushTimer.unref();
    this.heartbeatTimer.unref();
    this.pauses.start();
    if (options.retentionIntervalMs > 0) this.scheduleRetention(Math.random() * Math.min(60_000, options.retentionIntervalMs));
  }

  // ---- graphile-worker events (hot path: no SQL, one object per job) ----

  onWorkerCreate(worker: Worker, tasks: object | undefined): void {
    if (!this.workers.has(worker)) {
      this.workers.add(worker);
      this.workerIds.push(worker.workerId);
    }
    if (tasks && this.taskIdentifiers.length === 0) this.taskIdentifiers = Object.keys(tasks).sort();
    this.pauses.attach(tasks);
  }

  onJobStart(job: Job): void {
    const run = new JobRun(job, this);
    this.running.set(run.jobId, run);
    setRun(job, run);
    if (this.cancelOnStart.size !== 0) this.cancelIfRequested(run);
  }

  onJobComplete(job: Job, error: unknown): void {
    const run = runOf(job);
    if (!run || run.owner !== this) return;
    forgetRun(job);
    this.running.delete(String(job.id));
    run.finish(error);
    this.counters.attemptsRecorded++;
    if (run.cancelRequestIds?.length) this.requestsAnswered(run, run.cancelRequestIds);
    if (run.outcome === 'cancelled') this.saidCancelled(run);
    this.push(run);
  }

  /**
   * graphile-worker has just logged "Completed task … with success" (unless NO_LOG_SUCCESS) for a job the companion
   * cancelled (it must complete it, or it would be retried): the next line of the worker's log says what happened.
   */
  private saidCancelled(run: JobRun): void {
    const by = run.cancelRequestIds?.length ? `from Jobdeck (request ${run.cancelRequestIds.join(', ')})` : 'in its own process';
    this.log.info(
      `job ${run.jobId} (${run.task}) was cancelled ${by}: recorded as cancelled; graphile-worker completed it so that it is not retried`,
    );
  }

  /** A worker of this pool stopped; when the last one has, and the pool is shutting down, flush and say so. */
  onWorkerStop(worker: Worker): Promise<void> | undefined {
    this.workers.delete(worker);
    const pool = this.init.workerPool as WorkerPool & { _shuttingDown?: boolean };
    if (this.workers.size === 0 && pool._shuttingDown !== false) return this.stop();
    return undefined;
  }

  // ---- RunOwner ----

  holdIfPaused(run: JobRun): Promise<void> | null {
    if (this.pauses.pausedQueues.length === 0 || run.queueId == null) return null;
    const name = run.queue ?? this.queueNames.get(run.queueId);
    if (name) return this.pauses.holdWhilePaused(name, run.signal);
    // graphile-worker resolves queue names in batches: wait for this one (briefly), then decide.
    const pending = run.queuePending;
    if (!pending) return null;
    return pending.then(
      () => (run.queue ? this.pauses.holdWhilePaused(run.queue, run.signal) : null) ?? undefined,
      () => undefined,
    );
  }

  rememberQueueName(queueId: number, name: string): void {
    if (this.queueNames.size > 10_000) this.queueNames.clear();
    this.queueNames.set(queueId, name);
  }

  usageRefused(fields: string[], model: unknown): void {
    this.counters.usageRefused++;
    this.log.warn(
      'usage',
      `usage values refused (${fields.join(', ')}${typeof model === 'string' ? `, model ${model.slice(0, 60)}` : ''}): ` +
        `token counts must be integers in [0, 1e12], costs and latencies finite and non-negative; the job is unaffected`,
    );
  }

  getStore(): AsyncLocalStorage<JobRun> {
    return this.g.als;
  }

  /** Whether the next task runs inside AsyncLocalStorage ('auto': once the process has asked for it). */
  get asyncContext(): boolean {
    return this.contextMode === true || (this.contextMode === 'auto' && this.g.contextOn);
  }

  /** Tasks run outside it until asked for (so a call without helpers may still be given to its job). */
  get contextOnDemand(): boolean {
    return this.contextMode === 'auto';
  }

  stats(): Record<string, unknown> {
    return {
      poolId: this.poolId,
      ...this.counters,
      buffered: this.buffer.length,
      running: this.running.size,
      lastError: this.lastError,
      lastErrorKind: this.lastErrorKind,
      writing: this.lastOkAt > 0 && this.lastOkAt >= this.lastErrorAt,
      failing: this.lastErrorAt > this.lastOkAt,
      lastMaxId: this.lastMaxId,
      schemaVersion: this.db.schemaVersion,
      pausedTasks: this.pauses.paused,
      pausedQueues: this.pauses.pausedQueues,
      fetchesGated: this.pauses.fetchesGated,
      jobsHeld: this.pauses.jobsHeld,
      jobsParked: this.pauses.parked,
    };
  }

  // ---- buffer ----

  private push(run: JobRun): void {
    this.buffer.push(run);
    this.bufferedBytes += weight(run);
    this.enforceBound();
  }

  private enforceBound(): void {
    const max = this.init.options.maxBufferedAttempts;
    if (this.buffer.length <= max && this.bufferedBytes <= MAX_BUFFER_BYTES) return;
    // Drop the oldest tenth at once (amortised), and say so once per minute.
    let drop = Math.max(this.buffer.length - max, Math.ceil(this.buffer.length / 10));
    if (this.bufferedBytes > MAX_BUFFER_BYTES) drop = Math.max(drop, Math.ceil(this.buffer.length / 4));
    const dropped = this.buffer.splice(0, Math.min(drop, this.buffer.length));
    for (const r of dropped) this.bufferedBytes -= weight(r);
    this.counters.attemptsDropped += dropped.length;
    this.log.warn(
      'buffer-full',
      `attempt buffer full (${max} rows or ${MAX_BUFFER_BYTES >> 20} MiB) while the database cannot be written: ` +
        `dropped the ${dropped.length} oldest (${this.counters.attemptsDropped} in total); jobs are unaffected`,
    );
  }

  /** Writes the oldest buffered attempts (up to maxRowsPerStatement) and pending cancel outcomes. */
  flush(force = false): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.buffer.length === 0 && this.cancelUpdates.length === 0) return Promise.resolve();
    if (this.db.isClosed || (!force && this.db.inBackoff())) return Promise.resolve();
    this.flushing = this.flushOnce().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const max = this.init.options.maxRowsPerStatement;
    const batch = this.buffer.length <= max ? this.buffer : this.buffer.slice(0, max);
    if (batch === this.buffer) this.buffer = [];
    else this.buffer = this.buffer.slice(max);
    let batchBytes = 0;
    for (const r of batch) batchBytes += weight(r);
    this.bufferedBytes -= batchBytes;
    const updates = this.cancelUpdates;
    this.cancelUpdates = [];
    try {
      await waitForQueueNames(batch);
      if (batch.length) {
        const every = this.init.options.notifyIntervalMs;
        const now = Date.now();
        const notify = every === 0 || (every > 0 && now - this.lastNotifyAt >= every);
        const result = await this.db.run((c) => sql.writeAttempts(c, this.poolId, this.shard, batch, this.queueNames, notify));
        if (notify) this.lastNotifyAt = now;
        this.counters.flushes++;
        this.lastOkAt = Date.now();
        this.counters.attemptsWritten += result.inserted;
        if (result.maxId) this.lastMaxId = result.maxId;
      }
    } catch (error) {
      this.counters.flushErrors++;
      this.noteError('flush', error);
      if (classifyError(error) === 'data') {
        // Retrying the same rows would fail forever: drop them, counted.
        this.counters.attemptsDropped += batch.length;
      } else {
        this.buffer = batch.concat(this.buffer);
        this.bufferedBytes += batchBytes;
        this.enforceBound();
      }
      this.cancelUpdates = updates.concat(this.cancelUpdates);
      return;
    }
    for (const u of updates) {
      try {
        await this.db.run((c) => sql.setCancelOutcome(c, u.ids, u.outcome));
      } catch (error) {
        this.noteError('cancel-outcome', error);
        if (classifyError(error) !== 'data') this.cancelUpdates.push(u);
      }
    }
    // A backlog (after an outage) drains statement by statement without waiting for the next tick.
    if (this.buffer.length >= max && !this.stopping) setImmediate(() => void this.flush());
  }

  // ---- heartbeat and cancel ----

  private async heartbeat(): Promise<void> {
    if (this.heartbeating || this.stopping || this.db.isClosed || this.db.inBackoff()) return;
    this.heartbeating = true;
    try {
      const info = processInfo();
      const running = [...this.running.keys()];
      const pending = await this.db.run((c) =>
        sql.heartbeat(
          c,
          {
            poolId: this.poolId,
            workerIds: this.workerIds,
            host: info.host,
            pid: info.pid,
            processStartedAt: info.startedAt,
            graphileWorkerVersion: this.init.graphileWorkerVersion,
            companionVersion: COMPANION_VERSION,
            concurrency: this.workerIds.length,
            taskIdentifiers: this.taskIdentifiers,
            heartbeatIntervalMs: this.init.options.heartbeatIntervalMs,
            runningJobs: running.length,
            stats: this.stats(),
          },
          running,
        ),
      );
      this.counters.heartbeats++;
      this.lastOkAt = Date.now();
      if (pending.length) await this.applyCancels(pending);
    } catch (error) {
      this.counters.heartbeatErrors++;
      this.noteError('heartbeat', error);
    } finally {
      this.heartbeating = false;
    }
  }

  private onNotification(channel: string, payload: string | undefined): void {
    if (this.stopping) return;
    if (channel !== 'jobdeck:cancel') return this.pauses.onNotification(channel);
    // The payload is the job id; anything else makes us check all our running jobs.
    const jobId = payload?.trim();
    let ids: string[];
    if (jobId && /^\d+$/.test(jobId)) {
      if (!this.running.has(jobId)) return; // another pool's job: no query at all
      ids = [jobId];
    } else {
      ids = [...this.running.keys()];
    }
    if (ids.length === 0) return;
    this.db
      .run((c) => sql.pendingCancels(c, ids))
      .then((pending) => this.applyCancels(pending))
      .catch((error) => this.noteError('cancel', error));
  }

  private async applyCancels(pending: sql.PendingCancel[]): Promise<void> {
    const mine = pending.flatMap((p) => {
      const run = this.running.get(p.job_id);
      return run && !run.changedSince(p.requested_ms) ? [{ p, run }] : [];
    });
    if (mine.length === 0) return;
    // Acknowledged before the tasks are aborted: an aborted task ends at once, and graphile-worker's completion (on
    // its own connection) could otherwise commit first, which the console reads as "it ended before its worker saw
    // the cancel" (seen under load). A failed acknowledgement does not hold the cancel back.
    try {
      await this.db.run((c) =>
        sql.acknowledgeCancels(
          c,
          this.poolId,
          mine.map(({ p }) => p.id),
        ),
      );
    } catch (error) {
      this.noteError('cancel', error);
    }
    for (const { p, run } of mine) {
      this.counters.cancelsReceived++;
      if (run.finishedAtMs !== 0) {
        // It ended while the acknowledgement was written: the request gets the outcome its end would have given it.
        this.requestsAnswered(run, [p.id]);
        continue;
      }
      const first = run.requestCancel(p.id);
      if (first && this.init.options.cancelTimeoutMs > 0) {
        run.notHonouredTimer = setTimeout(() => {
          run.notHonouredTimer = null;
          if (this.running.get(p.job_id) === run && run.cancelRequestIds) {
            this.cancelUpdates.push({ ids: [...run.cancelRequestIds], outcome: 'not_honoured' });
            this.log.warn(
              'not-honoured',
              `job ${p.job_id} (${run.task}) is still running ${this.init.options.cancelTimeoutMs} ms after it was cancelled: its task does not watch helpers.abortSignal`,
            );
          }
        }, this.init.options.cancelTimeoutMs);
        run.notHonouredTimer.unref();
      }
    }
  }

  /**
   * Cancel requests that reached `run` are answered by how it ended. An attempt that failed on its own before the
   * cancel reached its task (its worker frozen, a timeout that fired first) leaves a job graphile-worker will retry:
   * the operator asked for it to stop, so the request is opened again for the next attempt rather than closed as
   * 'failed' (which let the job run again, uncancelled). A last attempt's failure ends the job: 'failed' says so.
   */
  private requestsAnswered(run: JobRun, ids: string[]): void {
    if (run.outcome !== 'failure' || run.attempt >= run.maxAttempts) {
      this.cancelUpdates.push({ ids, outcome: requestOutcome(run) });
      return;
    }
    if (this.cancelOnStart.size >= MAX_CANCEL_ON_START) this.cancelOnStart.clear();
    this.cancelOnStart.set(run.jobId, [...(this.cancelOnStart.get(run.jobId) ?? []), ...ids]);
    // At once rather than at the next flush: statements run in order on the companion's connection, so this comes
    // before the acknowledgement of the retry's cancel, wherever that retry runs.
    this.db.run((c) => sql.reopenCancels(c, ids)).catch((error) => this.noteError('cancel', error));
  }

  /** A retry of a job whose cancel request reached an earlier attempt too late: cancelled as it starts. */
  private cancelIfRequested(run: JobRun): void {
    const ids = this.cancelOnStart.get(run.jobId);
    if (!ids) return;
    this.cancelOnStart.delete(run.jobId);
    void this.applyCancels(ids.map((id) => ({ id, job_id: run.jobId }))).catch((error) => this.noteError('cancel', error));
  }

  // ---- retention ----

  private scheduleRetention(delayMs: number): void {
    if (this.stopping) return;
    this.retentionTimer = setTimeout(() => {
      void this.retention().then((r) => {
        const every = this.init.options.retentionIntervalMs;
        // Behind (more rows than one run's budget): keep going soon, so deletes keep pace with inserts.
        this.scheduleRetention(r.more ? RETENTION_CATCH_UP_DELAY_MS : every * (0.75 + Math.random() / 2));
      });
    }, delayMs);
    this.retentionTimer.unref();
  }

  /** Retention, if this pool gets the lock; errors are logged and counted, never thrown. */
  async retention(): Promise<RetentionResult> {
    if (this.stopping || this.db.isClosed || this.db.inBackoff()) return { deleted: 0, more: false };
    try {
      const result = await runRetention(this.db, this.init.options, () => this.stopping !== null);
      this.counters.retentionDeleted += result.deleted;
      return result;
    } catch (error) {
      this.noteError('retention', error);
      return { deleted: 0, more: false };
    }
  }

  // ---- shutdown ----

  /**
   * Final flush and `stopped_at`, bounded by shutdownFlushTimeoutMs (graphile-worker's graceful shutdown waits
   * for this through its stopWorker hook, so it must stay short); then the connection closes. Never rejects.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop().catch(() => undefined);
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    for (const t of [this.flushTimer, this.heartbeatTimer, this.retentionTimer]) if (t) clearInterval(t);
    this.pauses.stop();
    this.flushTimer = this.heartbeatTimer = this.retentionTimer = null;
    const timeout = this.init.options.shutdownFlushTimeoutMs;
    const deadline = Date.now() + timeout;
    const work = (async () => {
      if (this.flushing) await this.flushing;
      let progress = true;
      while (progress && (this.buffer.length || this.cancelUpdates.length) && Date.now() < deadline) {
        const before = this.buffer.length + this.cancelUpdates.length;
        await this.flush(true);
        progress = this.buffer.length + this.cancelUpdates.length < before;
      }
      await this.db.run((c) => sql.markStopped(c, this.poolId));
    })();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      work.then(
        () => 'done' as const,
        (error: unknown) => {
          this.noteError('shutdown', error);
          return 'failed' as const;
        },
      ),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeout);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (this.buffer.length) {
      this.counters.attemptsDropped += this.buffer.length;
      this.log.warn('shutdown', `${this.buffer.length} attempt(s) not written at shutdown (${outcome}); jobs are unaffected`);
      this.buffer = [];
    } else if (outcome !== 'done') {
      this.log.warn('shutdown', `could not mark pool ${this.poolId} as stopped (${outcome})`);
    }
    // Jobs still running keep their entry in the runs map: a forceful shutdown stops the workers (and this recorder)
    // while tasks run, and aborting them (abortJob) must still find them; each is forgotten at its job:complete.
    this.g.live.delete(this);
    await this.db.close(Math.max(50, deadline - Date.now()));
  }

  private noteError(where: string, error: unknown): void {
    // Statements the shutdown's close cut off (a retention run, a heartbeat under way): not failures. What it left
    // unwritten is said by doStop (attempts not written, or the pool not marked stopped).
    if (this.db.isClosed) return;
    const kind = classifyError(error);
    const message = error instanceof Error ? error.message : String(error);
    this.lastError = `${where}: ${message}`;
    this.lastErrorAt = Date.now();
    this.lastErrorKind = kind;
    const hint =
      kind === 'schema'
        ? ' (the jobdeck schema is missing or behind: it is created automatically unless migrate is false, see docs/companion-schema.sql)'
        : kind === 'permission'
          ? ' (grant the worker role the privileges in docs/companion-schema.sql)'
          : '';
    this.log.warn(`${where}:${kind}`, `${where} failed: ${message}${hint}; retrying with backoff, jobs are unaffected`);
  }
}

/** The first job of a queue may finish before graphile-worker has looked its name up: wait a little for it. */
async function waitForQueueNames(batch: readonly JobRun[]): Promise<void> {
  let pending: Array<Promise<unknown>> | null = null;
  for (const r of batch) if (r.queuePending) (pending ??= []).push(r.queuePending);
  if (!pending) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(pending),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 500);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

/** What became of a cancel request, from how its (finished) attempt ended. */
function requestOutcome(run: JobRun): sql.CancelOutcome {
  return run.outcome === 'cancelled' ? 'cancelled' : run.outcome === 'failure' ? 'failed' : 'completed';
}

function weight(run: JobRun): number {
  return ROW_BYTES + (run.error ? run.error.length * 2 : 0) + (run.rawOutput ? run.rawOutput.length * 2 : 0);
}

/** A stable shard per pool (FNV-1a of the pool id). */
export function shardOf(poolId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < poolId.length; i++) {
    h ^= poolId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

import type { TaskList } from 'graphile-worker';
import type { CompanionDb } from './db.ts';
import type { RateLimitedLog } from './log.ts';
import { PauseGate } from './pause-gate.ts';
import { parkJobs, readPauses, sweepPauses } from './pause-sql.ts';

/** After this long without reading the pauses, the pool runs everything: its own trouble never holds jobs back. */
export const PAUSE_STALE_MS = 30_000;
/** A fetch never waits longer than this for the park that precedes it (then it goes ahead). */
export const PRE_FETCH_WAIT_MS = 2_000;

export interface PauseWatcherInit {
  db: CompanionDb;
  log: RateLimitedLog;
  /** How often jobdeck.pauses is read (also on NOTIFY "jobdeck:pause"); 0: this pool obeys no pauses. */
  intervalMs: number;
  onError(where: string, error: unknown): void;
}

/**
 * One pool's view of jobdeck.pauses: read every interval (and at once on NOTIFY "jobdeck:pause"), applied to
 * the pool's task list through the PauseGate, and, while any pause exists, a sweep that parks the paused tasks'
 * and queues' waiting jobs (for workers without the companion, and for named queues, which a fetch cannot
 * filter) and restores those of expired pauses. A sweep also follows "jobs:insert", so a job added to a paused
 * queue is parked about as soon as it is visible.
 */
export class PauseWatcher {
  readonly gate = new PauseGate();
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private again = false;
  private lastOkAt = Date.now();
  private pausesSeen = 0;
  paused: string[] = [];
  /** Named queues paused now (each fetch parks their new jobs first). */
  pausedQueues: string[] = [];
  /** Fetches that waited for a park (graphile-worker called our forbiddenFlags). */
  fetchesGated = 0;
  parked = 0;
  /** A named queue is paused: each fetch first parks what arrived (a fetch cannot filter by queue). */
  private queuePaused = false;
  private nextPark: Promise<void> | null = null;
  /** Jobs held before their handler started, each waiting for its queue's resume. */
  private readonly waiters = new Set<() => void>();
  jobsHeld = 0;
  private currentPark: Promise<void> | null = null;

  constructor(private readonly init: PauseWatcherInit) {}

  start(): void {
    if (this.init.intervalMs <= 0) return;
    this.timer = setInterval(() => this.check(), this.init.intervalMs);
    this.timer.unref();
    setImmediate(() => this.check());
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // The pool is going away without aborting them: let held jobs run rather than hang.
    this.pausedQueues = [];
    this.wake();
  }

  /**
   * Holds a job of a paused named queue before its handler starts, until the queue is resumed (or its pause is
   * no longer readable for PAUSE_STALE_MS). Null when the queue is not paused. Rejects when the job's signal
   * aborts (a cancel, or the worker's shutdown): the job then ends as graphile-worker decides for that abort.
   */
  holdWhilePaused(queue: string, signal: AbortSignal): Promise<void> | null {
    if (!this.pausedQueues.includes(queue)) return null;
    this.jobsHeld++;
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        this.waiters.delete(check);
        signal.removeEventListener('abort', onAbort);
      };
      const check = () => {
        if (this.pausedQueues.includes(queue)) return;
        done();
        resolve();
      };
      const onAbort = () => {
        done();
        reject(signal.reason instanceof Error ? signal.reason : new Error(`held by the pause of queue "${queue}": aborted`));
      };
      if (signal.aborted) return onAbort();
      this.waiters.add(check);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private wake(): void {
    for (const check of [...this.waiters]) check();
  }

  attach(tasks: TaskList | undefined): void {
    this.gate.attach(tasks);
  }

  /** A notification on the companion's connection. */
  onNotification(channel: string): void {
    if (!this.timer) return;
    if (channel === 'jobdeck:pause' || (channel === 'jobs:insert' && this.pausesSeen > 0)) this.check();
  }

  /** Reads the pauses now (or right after the read in flight). */
  check(): void {
    if (this.checking) {
      this.again = true;
      return;
    }
    this.checking = this.checkOnce().finally(() => {
      this.checking = null;
      if (this.again && this.timer) {
        this.again = false;
        this.check();
      }
    });
  }

  private async checkOnce(): Promise<void> {
    const { db } = this.init;
    if (db.isClosed || db.inBackoff()) return this.staleCheck();
    try {
      const pauses = await db.run((c) => readPauses(c));
      this.lastOkAt = Date.now();
      this.pausesSeen = pauses.length;
      this.pausedQueues = pauses.filter((p) => p.kind === 'queue' && !p.expired).map((p) => p.name);
      this.queuePaused = this.pausedQueues.length > 0;
      this.wake();
      this.paused = this.gate.apply(new Set(pauses.filter((p) => p.kind === 'task' && !p.expired).map((p) => p.name)));
      if (this.gate.failed)
        this.init.log.warn('pause-gate', 'the task list could not be changed (is it frozen?): pauses are not obeyed by this pool');
      if (pauses.length) this.parked += (await db.run((c) => sweepPauses(c))).parked;
    } catch (error) {
      this.init.onError('pause', error);
      this.staleCheck();
    }
  }

  /**
   * Called before each of the pool's fetches (through graphile-worker's forbiddenFlags): while a named queue is
   * paused, waits for a park that starts after this call, so a job added to the queue (its jobs:insert is what
   * woke the fetch) is parked before the fetch can see it. Concurrent fetches share one park. Null (no wait)
   * when no queue is paused; never longer than PRE_FETCH_WAIT_MS, and never an error.
   */
  beforeFetch(): Promise<void> | null {
    if (!this.queuePaused || !this.timer || this.init.db.isClosed || this.init.db.inBackoff()) return null;
    this.fetchesGated++;
    this.nextPark ??= (this.currentPark ?? Promise.resolve()).then(() => {
      this.nextPark = null;
      this.currentPark = this.init.db
        .run((c) => parkJobs(c))
        .then((n) => void (this.parked += n))
        .catch((error: unknown) => this.init.onError('pause', error))
        .finally(() => (this.currentPark = null));
      return this.currentPark;
    });
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      this.nextPark,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, PRE_FETCH_WAIT_MS);
        timer.unref();
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** Pauses that cannot be read for PAUSE_STALE_MS are no longer obeyed (parked jobs stay parked). */
  private staleCheck(): void {
    if (this.paused.length && Date.now() - this.lastOkAt > PAUSE_STALE_MS) {
      this.init.log.warn(
        'pause-stale',
        `pauses unread for ${PAUSE_STALE_MS / 1000} s: this pool runs every task until it can read them again`,
      );
      this.paused = this.gate.apply(new Set());
      this.queuePaused = false;
      this.pausedQueues = [];
      this.wake();
    }
  }
}

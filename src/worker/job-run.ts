import type { Job, JobHelpers, Task } from 'graphile-worker';
import { addUsage, cleanText, emptyTotals, usageFromResponse, type UsageInput, type UsageNumbers, type UsageTotals } from './usage.ts';

export type Outcome = 'success' | 'failure' | 'cancelled';

/** The part of a pool's recorder a running job talks to. */
export interface RunOwner {
  readonly poolId: string;
  rememberQueueName(queueId: number, name: string): void;
  usageRefused(fields: string[], model: unknown): void;
  getStore(): import('node:async_hooks').AsyncLocalStorage<JobRun>;
  /** Run the next task inside AsyncLocalStorage (recordUsage() and jobAbortSignal() without arguments). */
  readonly asyncContext: boolean;
  /** Tasks run outside it until the process asks for it (asyncContext 'auto'; see async-context.ts). */
  readonly contextOnDemand?: boolean;
  /** Which attempts keep the raw model output (options.keepRawOutput). */
  readonly keepRawOutput?: 'failures' | 'all' | 'none';
  /** While this job's named queue is paused: resolves when it may start (rejects when its signal aborts). */
  holdIfPaused?(run: JobRun): Promise<void> | null;
}

/** The reason a job's signal aborts when Jobdeck cancels it. */
export class JobCancelledError extends Error {
  override readonly name = 'JobCancelledError';
  constructor(
    readonly jobId: string,
    readonly requestIds: readonly string[],
  ) {
    super(
      requestIds.length
        ? `Job ${jobId} was cancelled from Jobdeck (request ${requestIds.join(', ')})`
        : `Job ${jobId} was cancelled from Jobdeck (in this process)`,
    );
  }
}

export const MAX_ERROR_BYTES = 64 * 1024;

/**
 * One attempt of one job in this process, from `job:start` to `job:complete`. The same object is the row
 * buffered for the next flush: no second allocation per job. It copies the few fields it needs rather than
 * keeping graphile-worker's job object, so a buffer held through a database outage never holds payloads.
 */
export class JobRun {
  readonly jobId: string;
  readonly task: string;
  readonly queueId: number | null;
  readonly jobKey: string | null;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly startedAtMs = Date.now();
  private readonly t0 = performance.now();
  finishedAtMs = 0;
  durationMs = 0;
  outcome: Outcome = 'success';
  error: string | null = null;
  queue: string | null = null;
  /** graphile-worker resolves queue names in batches (50 ms); a flush waits briefly for a pending one. */
  queuePending: Promise<unknown> | null = null;
  usage: UsageTotals | null = null;
  /** The last rawOutput given to recordUsage; turned into bounded text at the end, or dropped (see keepRawOutput). */
  private rawGiven: unknown = undefined;
  /** The raw model output kept for this attempt (at most 64 KiB of UTF-8), or null. */
  rawOutput: string | null = null;
  /** Responses already counted through `recordUsage({ rawOutput })`, so returning them does not count twice. */
  private usageSources: WeakSet<object> | null = null;
  /** Cancel requests that reached this attempt (request ids), in arrival order; empty for a cancel from this process. */
  cancelRequestIds: string[] | null = null;
  /** Started outside AsyncLocalStorage in a pool that turns it on when asked (a call without helpers may be this job's). */
  outsideContext = false;
  /** The task ended after a cancel reached it: the attempt is 'cancelled', graphile-worker sees a success. */
  cancelled = false;
  notHonouredTimer: NodeJS.Timeout | null = null;
  private controller: AbortController | null = null;
  private abortPromiseValue: Promise<void> | null = null;
  private poolSignal: AbortSignal | null = null;
  /** Set when the process hosting the pool aborts this job itself (its own shutdown deadline): passed on like the pool's. */
  private hereReason: unknown = undefined;
  /** graphile-worker's updated_at of the job as it was taken: when an admin action last changed it. */
  private readonly changedAt: Date | undefined;

  constructor(
    job: Job,
    readonly owner: RunOwner,
  ) {
    this.changedAt = job.updated_at;
    this.jobId = String(job.id);
    this.task = job.task_identifier;
    this.queueId = job.job_queue_id ?? null;
    this.jobKey = job.key ?? null;
    this.attempt = job.attempts;
    this.maxAttempts = job.max_attempts;
  }

  /**
   * Whether an admin action changed the job after `requestedMs`: graphile-worker moves updated_at on
   * reschedule_jobs (every retry from Jobdeck is one), permanently_fail_jobs and a replacing add_job, never on a take
   * or a failure. A cancel asked before the operator retried the job was for the run before (its worker gone, say):
   * this run is not cancelled by it. graphile-worker's own retry after a failure keeps the request (reopenCancels).
   */
  changedSince(requestedMs: number | undefined): boolean {
    return requestedMs !== undefined && this.changedAt instanceof Date && this.changedAt.getTime() > requestedMs;
  }

  /** This job's signal: aborts when Jobdeck cancels the job, or when the pool's own signal aborts (shutdown). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.cancelRequestIds) this.controller.abort(new JobCancelledError(this.jobId, this.cancelRequestIds));
      else if (this.poolSignal?.aborted) this.controller.abort(this.poolSignal.reason);
      else if (this.hereReason !== undefined) this.controller.abort(this.hereReason);
    }
    return this.controller.signal;
  }

  get abortPromise(): Promise<void> {
    if (!this.abortPromiseValue) {
      const signal = this.signal;
      this.abortPromiseValue = new Promise<void>((_resolve, reject) => {
        const fail = () => reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
        if (signal.aborted) fail();
        else signal.addEventListener('abort', fail, { once: true });
      });
      // Like graphile-worker's own abortPromise: never an unhandled rejection.
      this.abortPromiseValue.catch(() => undefined);
    }
    return this.abortPromiseValue;
  }

  /** The pool's signal aborted (graceful shutdown timed out): pass it on to this job. */
  abortFromPool(reason: unknown): void {
    if (this.controller && !this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** The hosting process gives up on this job (as the pool's own abort would): the task fails and is retried. */
  abortHere(reason: unknown): void {
    this.hereReason = reason;
    this.abortFromPool(reason);
  }

  /** A cancel request reached this job (`requestId` null: from this process, no request row). True the first time. */
  requestCancel(requestId: string | null): boolean {
    const first = this.cancelRequestIds === null;
    this.cancelRequestIds ??= [];
    if (requestId !== null && !this.cancelRequestIds.includes(requestId)) this.cancelRequestIds.push(requestId);
    if (first && this.controller && !this.controller.signal.aborted) {
      this.controller.abort(new JobCancelledError(this.jobId, this.cancelRequestIds));
    }
    return first;
  }

  /**
   * Runs the user's task with this job's signal and context; a cancelled task ends as a success to graphile-worker.
   * Written with `then` rather than as an async function: graphile-worker awaits the result anyway, and each
   * extra promise and microtask is paid per job (and observed by AsyncLocalStorage's promise hooks).
   */
  execute(task: Task, payload: unknown, base: JobHelpers): Promise<unknown> {
    this.poolSignal = base.abortSignal ?? null;
    const queueId = this.queueId;
    if (queueId != null && typeof base.getQueueName === 'function') this.resolveQueueName(base, queueId);
    const helpers = new CompanionHelpers(base, this) as unknown as JobHelpers;
    // A job of a paused named queue taken in the instant before the pool saw it parked: its handler waits for
    // the resume (holding the queue, so no worker takes another of its jobs meanwhile).
    let hold: Promise<void> | null | undefined;
    try {
      hold = queueId != null ? this.owner.holdIfPaused?.(this) : null;
    } catch (error) {
      return this.settled(error);
    }
    if (hold) {
      return hold.then(
        () => this.runTask(task, payload, helpers),
        (error: unknown) => this.settleError(error),
      );
    }
    return this.runTask(task, payload, helpers);
  }

  private runTask(task: Task, payload: unknown, helpers: JobHelpers): Promise<unknown> {
    let result: unknown;
    try {
      const store = this.owner.asyncContext ? this.owner.getStore() : null;
      if (!store && this.owner.contextOnDemand) this.outsideContext = true;
      result = store ? store.run(this, task, payload, helpers) : task(payload, helpers);
    } catch (error) {
      return this.settled(error);
    }
    return Promise.resolve(result).then(
      (value) => this.settleResult(value),
      (error: unknown) => this.settleError(error),
    );
  }

  private settleResult(result: unknown): unknown {
    if (this.cancelRequestIds) {
      this.cancelled = true;
      return undefined;
    }
    if (result !== null && typeof result === 'object') this.captureResponse(result);
    return result;
  }

  /** Returns undefined for a cancelled job (done, not failed); otherwise throws the task's error on. */
  private settleError(error: unknown): undefined {
    if (this.cancelRequestIds) {
      // Whatever the task threw once asked to stop (usually the abort reason): the job is done, not failed.
      this.cancelled = true;
      this.captureErrorUsage(error);
      return undefined;
    }
    throw error;
  }

  /** The same, for an error thrown before the task's promise existed: as a settled promise. */
  private settled(error: unknown): Promise<unknown> {
    return new Promise((resolve) => resolve(this.settleError(error)));
  }

  private resolveQueueName(base: JobHelpers, queueId: number): void {
    try {
      const name = base.getQueueName(queueId);
      if (typeof name === 'string') this.queue = name;
      else if (name && typeof name.then === 'function') {
        this.queuePending = name.then(
          (n) => {
            this.queuePending = null;
            if (typeof n === 'string') {
              this.queue = n;
              this.owner.rememberQueueName(queueId, n);
            }
          },
          () => (this.queuePending = null),
        );
      }
    } catch {
      // The queue name is nice to have; never worth a failure.
    }
  }

  /** recordUsage(): validates and sums into this attempt. Never throws. */
  addUsage(input: UsageInput): void {
    if (input === null || typeof input !== 'object') {
      this.owner.usageRefused(['usage'], undefined);
      return;
    }
    let numbers: Partial<UsageNumbers> = input;
    const raw = input.rawOutput;
    if (raw !== undefined && raw !== null) this.rawGiven = raw;
    if (raw !== undefined && raw !== null && typeof raw === 'object') {
      const fromRaw = usageFromResponse(raw);
      if (fromRaw) {
        numbers = { ...fromRaw };
        for (const [k, v] of Object.entries(input)) if (k !== 'rawOutput' && v !== undefined) (numbers as Record<string, unknown>)[k] = v;
      }
      (this.usageSources ??= new WeakSet()).add(raw);
    }
    this.usage ??= emptyTotals();
    const refused = addUsage(this.usage, numbers);
    if (refused.length) this.owner.usageRefused(refused, numbers.model);
  }

  /** A returned provider response (OpenAI or Anthropic shape) counts, unless already given as rawOutput. */
  captureResponse(value: object): void {
    if (this.usageSources?.has(value)) return;
    const numbers = usageFromResponse(value);
    if (!numbers) return;
    this.usage ??= emptyTotals();
    const refused = addUsage(this.usage, numbers);
    if (refused.length) this.owner.usageRefused(refused, numbers.model);
  }

  captureErrorUsage(error: unknown): void {
    if (error === null || typeof error !== 'object') return;
    for (const candidate of [error, (error as { response?: unknown }).response, (error as { cause?: unknown }).cause]) {
      if (candidate !== null && typeof candidate === 'object') {
        if (this.usageSources?.has(candidate)) return;
        if (usageFromResponse(candidate)) {
          this.captureResponse(candidate);
          return;
        }
      }
    }
  }

  /** Called at `job:complete`: fixes the outcome, duration and bounded error text. */
  finish(error: unknown): void {
    this.finishedAtMs = Date.now();
    this.durationMs = performance.now() - this.t0;
    if (this.notHonouredTimer) {
      clearTimeout(this.notHonouredTimer);
      this.notHonouredTimer = null;
    }
    if (this.cancelled) {
      this.outcome = 'cancelled';
      // What the job page shows as the reason: who asked, and how to find the request (jobdeck.cancel_requests).
      this.error = this.cancelRequestIds?.length
        ? `Cancelled from Jobdeck (request ${this.cancelRequestIds.join(', ')} in jobdeck.cancel_requests)`
        : "Cancelled in its own process (through the job's abort signal)";
    } else if (error) {
      this.outcome = 'failure';
      this.error = errorText(error);
      this.captureErrorUsage(error);
    }
    if (this.rawGiven !== undefined) {
      const keep = this.owner.keepRawOutput ?? 'failures';
      if (keep === 'all' || (keep === 'failures' && this.outcome !== 'success')) this.rawOutput = rawOutputText(this.rawGiven);
      this.rawGiven = undefined;
    }
  }
}

const RUN = Symbol('jobdeck.run');

/**
 * The helpers a wrapped task receives: graphile-worker's own, with `abortSignal` and `abortPromise` made
 * per job (they also fire on the pool's shutdown, as before). Getters on the prototype keep the per-job cost
 * to one small object; the AbortController is only created if the task reads the signal.
 */
class CompanionHelpers {
  constructor(base: JobHelpers, run: JobRun) {
    const self = this as unknown as Record<string, unknown>;
    for (const key in base) {
      if (key !== 'abortSignal' && key !== 'abortPromise') self[key] = (base as unknown as Record<string, unknown>)[key];
    }
    // A symbol key: invisible to Object.keys and for-in, and a plain store (defineProperty costs microseconds).
    (self as unknown as { [RUN]: JobRun })[RUN] = run;
  }

  get abortSignal(): AbortSignal {
    return (this as unknown as { [RUN]: JobRun })[RUN].signal;
  }

  get abortPromise(): Promise<void> {
    return (this as unknown as { [RUN]: JobRun })[RUN].abortPromise;
  }
}

/** The raw output kept: text as given, anything else as JSON; bounded to 64 KiB of UTF-8; null if it cannot be shown. */
export function rawOutputText(value: unknown): string | null {
  let text: string | undefined;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value);
    } catch {
      return null; // a cycle, a BigInt: nothing to keep, and never a failure of the job
    }
  }
  if (!text) return null;
  return boundUtf8(cleanText(text, MAX_ERROR_BYTES), MAX_ERROR_BYTES);
}

function boundUtf8(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  // A cut in the middle of a character leaves U+FFFD at the end: acceptable, and still valid text.
  return Buffer.from(text).subarray(0, bytes).toString('utf8');
}

/** The error text stored for a failed attempt: graphile-worker's message, bounded to 64 KiB of UTF-8. */
export function errorText(error: unknown): string {
  const e = error as { message?: unknown } | null;
  const message = (e && typeof e.message === 'string' && e.message) || String(error) || 'Non error or error without message thrown.';
  let text = cleanText(message, MAX_ERROR_BYTES);
  if (Buffer.byteLength(text) > MAX_ERROR_BYTES) {
    text = Buffer.from(text).subarray(0, MAX_ERROR_BYTES).toString('utf8');
    // A cut in the middle of a character leaves U+FFFD at the end: acceptable, and still valid text.
  }
  return text;
}

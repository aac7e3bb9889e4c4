import type pg from 'pg';
import { oneAtATime } from '../one-at-a-time.ts';
import type { Logger, TaskList } from 'graphile-worker';
import type { OwnPoolsRepo } from './own-pools.ts';
import type { DemoStatus, RunnerState, RunnerStatus } from '../../shared/model/status.ts';
import type { FailureMixSettings } from '../../shared/model/demo.ts';
import { OpError } from '../../shared/contract/index.ts';
import { RunnerHost, type RunnerHostOptions, type StopReport } from './host.ts';
import { logThreadLine, RunnerThread } from './thread/runner-thread.ts';
import { settleStoppedPoolAt, type SettleReport } from './settle-pool.ts';
import { startDemo, startDemoWorker, type DemoRuntime, type DemoWorker, type DemoWorkerOptions } from '../demo/index.ts';
import type { LogFn } from '../logger.ts';

export interface RunnerControllerOptions {
  pools: OwnPoolsRepo;
  logger: Logger;
  log: LogFn;
  onChange(): void;
  onPool(poolId: string): void;
  /** Tasks and crontab lines that engine features add to the runner. */
  extras(): { tasks: TaskList; crontab: string[] };
  /** The demo's separate worker process: false for none; otherwise settings for it (tests: a failing command). */
  demoWorker?: DemoWorkerSettings | false;
}

/** What may be set of the demo's separate worker process from outside (the rest comes from the demo). */
export type DemoWorkerSettings = Partial<Pick<DemoWorkerOptions, 'command' | 'concurrency' | 'heartbeatIntervalMs' | 'startTimeoutMs'>>;

/** Shown while the hosted runner cannot reach its database. */
const OUTAGE_NOTE = 'The database is unreachable: jobs that end now may not be recorded; the pool is renewed when it returns';
const RESTART_RETRY_MS = 5_000;
/** How long a renewal after an outage lets the old pool's running jobs finish before aborting them. */
const RENEW_WAIT_MS = 60_000;

const describeSettled = (s: SettleReport) =>
  `${s.completed} completed as recorded, ${s.failed} failed as recorded, ${s.retried} scheduled to retry, ${s.released} released`;

const NO_MIX: FailureMixSettings = { quota: 0, timeout: 0, invalidJson: 0, missingFields: 0, serverError: 0 };

/** The hosted runner and the demo that feeds it: start, stop, concurrency, task source. */
export class RunnerController {
  host: RunnerHost | null = null;
  /** graphile-worker's thread, kept from one pool to the next. */
  private readonly thread = new RunnerThread((line) => logThreadLine(this.options.logger, line));
  demo: DemoRuntime | null = null;
  /** The demo's separate worker process, while it starts or runs (null once stopped, or when it could not start). */
  private demoWorker: { starting: AbortController; worker: Promise<DemoWorker | null> } | null = null;
  private state: RunnerState = 'stopped';
  private error: string | null = null;
  private concurrency = 4;
  private taskDirectory: string | null = null;
  private target: { connectionString: string; connectionKey: string } | null = null;
  private renewing = false;
  /** Stopped pools whose jobs are still to be settled. */
  private readonly unsettled = new Set<string>();
  /**
   * Starts and stops run one after another: two at once (two runner.configure calls, a connection switch during a
   * restart) each made a pool, and the one the console did not keep ran on, out of its reach.
   */
  private readonly serial = oneAtATime();
  /**
   * Moves with every start, stop and restart asked from outside (the operator, a connection switch): a renewal of the
   * pool that began before gives up rather than start a pool on a database the console has left, or after a Stop.
   */
  private asked = 0;

  constructor(private readonly options: RunnerControllerOptions) {}

  configure(config: { concurrency?: number; taskDirectory?: string | null }): void {
    if (config.concurrency !== undefined) this.concurrency = config.concurrency;
    if (config.taskDirectory !== undefined) this.taskDirectory = config.taskDirectory;
  }

  status(unavailableReason: string | null): RunnerStatus {
    return {
      state: this.state,
      concurrency: this.concurrency,
      taskSource: this.taskDirectory ?? (this.demo ? 'demo' : null),
      tasks: this.host?.tasks ?? [],
      poolId: this.host?.poolId ?? null,
      runningJobs: this.host?.runningJobs() ?? 0,
      running: this.host?.runningList() ?? [],
      error: this.error,
      unavailableReason,
    };
  }

  demoStatus(): DemoStatus {
    const settings = this.demo?.settings();
    return {
      active: !!this.demo,
      ratePerSecond: settings?.ratePerSecond ?? 0,
      mix: settings?.mix ?? NO_MIX,
      llmBaseUrl: this.demo?.llm?.baseUrl ?? null,
    };
  }

  async startDemo(pool: pg.Pool, connectionString: string): Promise<void> {
    if (this.demo) return;
    this.demo = await startDemo({ pool, connectionString });
    this.options.onChange();
  }

  /**
   * Starts the demo's second worker, a separate process with the companion, in the background. Failing to start it
   * is logged and never stops the demo: the console's runner goes on alone.
   */
  startDemoWorker(pool: pg.Pool, connectionString: string): void {
    const demo = this.demo;
    if (!demo || this.demoWorker || this.options.demoWorker === false) return;
    const starting = new AbortController();
    const worker = startDemoWorker({
      ...this.options.demoWorker,
      connectionString,
      pool,
      llm: demo.llmConfig,
      log: this.options.log,
      feeding: () => demo.producer.rate() > 0,
      signal: starting.signal,
    }).catch((error: unknown) => {
      // Abandoned by stopDemoWorker (the console stopping, say): nothing went wrong.
      if (starting.signal.aborted) this.options.log('info', 'the demo worker process was stopped while it started');
      else this.options.log('warn', `${(error as Error).message}; the demo goes on with this console's runner alone`);
      return null;
    });
    this.demoWorker = { starting, worker };
  }

  /** Stops the demo's worker process (a start in progress is abandoned) and waits until it has exited. */
  async stopDemoWorker(): Promise<void> {
    const current = this.demoWorker;
    this.demoWorker = null;
    if (!current) return;
    current.starting.abort();
    await (await current.worker)?.stop();
  }

  /** `connectionKey` (the saved connection's id) is what recovery later matches pools by. */
  start(connectionString: string, connectionKey: string, note: string | null = null): Promise<void> {
    this.asked++;
    return this.serial(() => this.startNow(connectionString, connectionKey, note));
  }

  private async startNow(connectionString: string, connectionKey: string, note: string | null): Promise<void> {
    if (this.host) throw new OpError('conflict', 'The runner is already running');
    const source: RunnerHostOptions['source'] = this.taskDirectory
      ? { kind: 'directory', path: this.taskDirectory }
      : this.demo
        ? { kind: 'demo', llm: this.demo.llmConfig }
        : undefined;
    if (!source) {
      throw new OpError('unavailable', 'No task source: choose a task directory (the demo tasks need the embedded database)');
    }
    this.target = { connectionString, connectionKey };
    this.set('starting', note);
    const extras = this.options.extras();
    const host = new RunnerHost(
      {
        connectionString,
        concurrency: this.concurrency,
        source,
        extraTasks: extras.tasks,
        crontab: extras.crontab,
        logger: this.options.logger,
        onPoolCreated: (poolId) => {
          this.options.pools.recordStarted(poolId, connectionKey);
          this.options.onPool(poolId);
          this.options.onChange();
        },
      },
      this.thread,
    );
    // Job starts and ends change the runner's status (running count): the companion records the attempts.
    host.on('job', () => this.options.onChange());
    host.on('outage', () => this.set('running', OUTAGE_NOTE));
    // Outcomes written during the outage may be lost, leaving jobs locked by this pool for hours: a new pool
    // replaces it, and the old one's jobs are settled as recorded (host.stop).
    host.on('reconnected', () => void this.afterOutage(host));
    host.on('exited', (error) => void this.renew(host, `graphile-worker stopped the pool${error ? ` (${error.message})` : ''}`));
    try {
      await host.start();
    } catch (error) {
      // A pool made before the start failed (its thread ended, or did not answer, and was ended): gone, and its
      // jobs are settled once a start succeeds.
      if (host.poolId) {
        this.options.pools.recordStopped(host.poolId);
        this.unsettled.add(host.poolId);
      }
      this.set('error', (error as Error).message);
      throw new OpError('unavailable', `The runner could not start: ${(error as Error).message}`);
    }
    this.host = host;
    this.set('running', null);
    void this.settleLeftovers(connectionString);
  }

  /** Pools of this process that stopped while the database was unreachable: their jobs are settled once it answers. */
  private async settleLeftovers(connectionString: string): Promise<void> {
    for (const poolId of [...this.unsettled]) {
      const report = await settleStoppedPoolAt(connectionString, poolId, (m) => this.options.log('warn', m));
      if (!report) continue;
      this.unsettled.delete(poolId);
      this.options.log('info', `settled the jobs stopped pool ${poolId} still held: ${describeSettled(report)}`);
    }
  }

  /** Stops taking jobs; jobs still running after `timeoutMs` are aborted and will be retried. */
  stop(timeoutMs = 10_000, note: string | null = null): Promise<StopReport> {
    this.asked++;
    return this.serial(() => this.stopNow(timeoutMs, note));
  }

  private async stopNow(timeoutMs: number, note: string | null): Promise<StopReport> {
    const host = this.host;
    if (!host) return { aborted: 0, timedOut: false };
    this.set('stopping', note);
    const report = await host.stop(timeoutMs);
    if (host.poolId) this.options.pools.recordStopped(host.poolId);
    if (host.poolId && report.settleFailed) this.unsettled.add(host.poolId);
    this.host = null;
    this.set('stopped', report.aborted ? `${report.aborted} running job(s) were aborted on stop; graphile-worker retries them` : null);
    if (report.aborted) this.options.log('warn', `stopped the runner: aborted ${report.aborted} running job(s), they will be retried`);
    return report;
  }

  /** The database is back: renew the pool only if it holds jobs whose outcome was lost meanwhile. */
  private async afterOutage(host: RunnerHost): Promise<void> {
    const lost = await host.lostOutcomes().catch(() => null);
    if (this.host !== host) return;
    if (lost === 0) return this.set('running', null);
    // The jobs it is running may finish in peace (no abort); the new pool starts when they have.
    await this.renew(host, `${lost ?? 'some'} job(s) ended during the outage without their outcome recorded`, RENEW_WAIT_MS);
  }

  /**
   * Replaces `host` (if it is still the current one) by a new pool: the old one stops (its running jobs get the
   * usual bounded wait) and its leftover jobs are settled. A start that fails is tried again while wanted.
   */
  private async renew(host: RunnerHost, why: string, waitMs = 10_000): Promise<void> {
    if (this.host !== host || !this.target || this.renewing) return;
    this.renewing = true;
    const asked = this.asked;
    try {
      const { connectionString, connectionKey } = this.target;
      const report = await this.serial(() => this.stopNow(waitMs, `Renewing the pool: ${why}`));
      const settled = report.settled ? ` Jobs the old pool still held: ${describeSettled(report.settled)}.` : '';
      this.options.log('warn', `renewing the runner's pool: ${why}.${settled}`);
      await this.startUntilUp(connectionString, connectionKey, `Renewing the pool: ${why}`, asked);
    } finally {
      this.renewing = false;
    }
  }

  /**
   * Starts again, retrying every few seconds while the database is still not ready, until a start or stop is asked
   * from outside (`asked` moved): the operator's Stop, or a switch to another connection.
   */
  private async startUntilUp(connectionString: string, connectionKey: string, why: string, asked: number): Promise<void> {
    for (let note = why; ;) {
      const started = await this.serial(async () => {
        if (this.asked !== asked || this.host) return true;
        // While it tries, the status keeps saying why (the renewal, then the last failure).
        await this.startNow(connectionString, connectionKey, note);
        return true;
      }).catch((error: unknown) => {
        note = `${(error as Error).message}; trying again in ${RESTART_RETRY_MS / 1000} s`;
        this.set('error', note);
        this.options.log('warn', note);
        return false;
      });
      if (started) return;
      await new Promise((resolve) => setTimeout(resolve, RESTART_RETRY_MS).unref());
      if (this.asked !== asked || this.host || this.state !== 'error') return;
    }
  }

  /** Restarts with new settings when running. */
  restart(): Promise<void> {
    this.asked++;
    return this.serial(async () => {
      if (!this.host || !this.target) return;
      const { connectionString, connectionKey } = this.target;
      await this.stopNow(10_000, null);
      await this.startNow(connectionString, connectionKey, null);
    });
  }

  async stopAll(timeoutMs = 10_000): Promise<StopReport> {
    // Side by side: each waits for its running jobs.
    const [report] = await Promise.all([this.stop(timeoutMs), this.stopDemoWorker()]);
    await this.demo?.stop().catch((e) => this.options.log('warn', `demo stop: ${(e as Error).message}`));
    this.demo = null;
    return report;
  }

  /** The console stops: the runner's thread ends (after stopAll). */
  close(): Promise<void> {
    return this.thread.close();
  }

  private set(state: RunnerState, error: string | null): void {
    this.state = state;
    this.error = error;
    this.options.onChange();
  }
}

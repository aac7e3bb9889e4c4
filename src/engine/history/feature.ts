import type { EngineCore } from '../core.ts';
import type { EngineFeature } from '../feature.ts';
import type { Session } from '../session.ts';
import type { RunnerJobEvent } from '../runner/host.ts';
import { compileClassifier, type Classifier, type ErrorRule } from '../../shared/errors/index.ts';
import type { HistoryStatus } from '../../shared/model/history.ts';
import { attemptsRepo, type AttemptsRepo } from './attempts-repo.ts';
import { historySettings, type HistorySettings } from './settings.ts';
import { DbWatcher } from './watcher.ts';
import { enforceRetention, reclassifyAll } from './maintenance.ts';
import { historyStatus } from './status.ts';
import { QueueNames } from './queue-names.ts';

const RETENTION_EVERY_MS = 10 * 60_000;
/** How long the runner's word that a job finished is kept, for the watcher not to count it again. */
const FINISHED_MEMORY_MS = 10 * 60_000;

/**
 * Failure history: records the hosted runner's job events exactly, watches the database for what other
 * processes do, keeps retention and reclassifies when the error rules change. Reads never need a session.
 */
export class HistoryFeature implements EngineFeature {
  readonly name = 'history';
  readonly settings: HistorySettings;
  readonly attempts: AttemptsRepo;
  classifier: Classifier;
  watcher: DbWatcher | null = null;
  reclassifying: { done: number; total: number } | null = null;
  private readonly finished = new Map<number, number>();
  private readonly queues = new QueueNames();
  private retentionTimer: NodeJS.Timeout | null = null;
  private rulesVersion = 0;
  private connectionId: string | null = null;

  constructor(private readonly core: EngineCore) {
    this.settings = historySettings(core.db);
    this.attempts = attemptsRepo(core.db);
    this.classifier = compileClassifier(this.settings.rules());
    // First pass soon after start, then every 10 minutes; never keeps the process alive.
    this.retentionTimer = setTimeout(() => void this.retention(), 5_000);
    this.retentionTimer.unref();
  }

  /** The connection whose history a read shows: the one asked for, the active one, else the last active one. */
  resolveConnection(id?: string): string | null {
    return id ?? this.core.session?.profile.id ?? this.settings.lastConnectionId();
  }

  onSessionOpen(session: Session): void {
    if (!session.status.schema?.installed) return;
    this.connectionId = session.profile.id;
    this.settings.setLastConnectionId(session.profile.id);
    this.watcher = new DbWatcher({
      pool: session.pool,
      db: this.core.db,
      connectionId: session.profile.id,
      attempts: this.attempts,
      classify: (m) => this.classifier.classify(m),
      finishedByRunner: (id) => this.finished.has(id),
      log: this.core.log,
      onScan: (scan) => this.settings.setLastScanAt(session.profile.id, scan.at),
    });
    this.watcher.start();
  }

  async onSessionClose(): Promise<void> {
    await this.watcher?.stop();
    this.watcher = null;
    this.connectionId = null;
  }

  onRunnerJob(event: RunnerJobEvent, session: Session): void {
    if (event.kind === 'start') return;
    const connectionId = session.profile.id;
    const { job } = event;
    const jobId = Number(job.id);
    if (event.kind === 'success') {
      this.markFinished(connectionId, jobId, event.at);
      this.attempts.recordSuccess(connectionId, job.task_identifier, event.at);
      this.attempts.recordDuration(connectionId, job.task_identifier, event.at, event.durationMs, true);
      return;
    }
    const cancelled = event.kind === 'cancelled';
    const error = cancelled ? 'Cancelled by the operator (AbortError)' : event.error;
    if (cancelled) this.markFinished(connectionId, jobId, event.at);
    this.attempts.recordFromRunner({
      connectionId,
      jobId,
      generation: Math.floor(job.updated_at.getTime() / 1000),
      task: job.task_identifier,
      queue: this.queues.name(job.job_queue_id, session.pool, (name) => this.fillQueue(connectionId, jobId, name)),
      attempt: job.attempts,
      maxAttempts: job.max_attempts,
      at: event.at,
      error,
      errorType: this.classifier.classify(error),
      durationMs: event.durationMs,
      poolId: event.poolId,
      final: cancelled || !event.willRetry,
    });
    this.attempts.recordDuration(connectionId, job.task_identifier, event.at, event.durationMs, false);
  }

  /** The job left the queue through the hosted runner: its end is counted here, not by the watcher. */
  private markFinished(connectionId: string, jobId: number, at: number): void {
    this.finished.set(jobId, at);
    this.core.db.prepare('update watch_jobs set gone = 1 where connection_id = ? and job_id = ?').run(connectionId, jobId);
    if (this.finished.size > 10_000) {
      for (const [id, t] of this.finished) if (at - t > FINISHED_MEMORY_MS) this.finished.delete(id);
    }
  }

  private fillQueue(connectionId: string, jobId: number, queue: string): void {
    this.core.db
      .prepare('update failure_attempts set queue = ? where connection_id = ? and job_id = ? and queue is null')
      .run(queue, connectionId, jobId);
  }

  /** Replaces the operator's rules and reclassifies the kept history in the background. */
  setRules(rules: ErrorRule[]): void {
    this.settings.setRules(rules);
    this.classifier = compileClassifier(rules);
    const version = ++this.rulesVersion;
    const classifier = this.classifier;
    this.reclassifying = { done: 0, total: 0 };
    void reclassifyAll(
      this.core.db,
      (m) => classifier.classify(m),
      (done, total) => {
        if (version === this.rulesVersion) this.reclassifying = { done, total };
      },
      () => version !== this.rulesVersion,
    )
      .catch((error) => this.core.log('error', `reclassify failed: ${(error as Error).message}`))
      .finally(() => {
        if (version === this.rulesVersion) this.reclassifying = null;
      });
  }

  /** Resolves when no reclassification is running (tests, export after a rule change). */
  async settled(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.reclassifying && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  async retention(): Promise<number> {
    if (this.retentionTimer) clearTimeout(this.retentionTimer);
    let removed = 0;
    try {
      removed = await enforceRetention(this.core.db, this.settings.retentionDays());
    } catch (error) {
      this.core.log('warn', `history retention: ${(error as Error).message}`);
    }
    this.retentionTimer = setTimeout(() => void this.retention(), RETENTION_EVERY_MS);
    this.retentionTimer.unref();
    return removed;
  }

  status(connectionId?: string): HistoryStatus {
    const id = this.resolveConnection(connectionId);
    const live = this.connectionId !== null && this.connectionId === id && this.core.session?.status.state === 'online';
    return historyStatus(this.core, this, id, live);
  }

  async stop(): Promise<void> {
    if (this.retentionTimer) clearTimeout(this.retentionTimer);
    this.retentionTimer = null;
    this.rulesVersion++;
    await this.watcher?.stop();
    this.watcher = null;
  }
}

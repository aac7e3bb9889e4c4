import {
  BUILTIN_RULES,
  compileClassifier,
  errorRuleSchema,
  type Classifier,
  type ErrorRule,
  type TypeVerdict,
} from '../../shared/errors/index.ts';
import type { HistoryStatus, HostedRecording } from '../../shared/model/history.ts';
import { OpError } from '../../shared/contract/index.ts';
import { refuseWhatPostgresCannotRun } from '../jobs/rule-check.ts';
import type { Domain } from '../domain.ts';
import type { LogFn, Sessions } from '../context.ts';
import type { Db } from '../store/db.ts';
import { attemptsRepo } from './attempts-repo.ts';
import { historySettings } from './settings.ts';
import { DbWatcher } from './watcher.ts';
import { enforceRetention, reclassifyAll } from './maintenance.ts';
import { backfillDurations } from './duration-backfill.ts';
import { historyStatus } from './status.ts';
import { jobRecords, type JobRecords } from './job-records.ts';
import { exactAttemptsRepo, type RecordedAttempt, type ReportedUsage } from './exact-attempts.ts';
import type { AttemptUsage } from '../../shared/model/usage.ts';
import { CompanionReader } from './companion-reader.ts';
import { listAttempts } from './query.ts';
import { summarize } from './summary.ts';
import { toCsv, toJsonChunk } from './export-format.ts';

type Ops =
  | 'history.status'
  | 'history.summary'
  | 'history.list'
  | 'history.export'
  | 'history.rules.get'
  | 'history.rules.set'
  | 'history.retention.set';

export interface HistoryContext {
  /**
   * This domain owns the history tables: failure_attempts and its rollups, job_attempts and its duration_rollups,
   * success_minutes, watch_*, companion_*, job_snapshots, settings.
   */
  db: Db;
  log: LogFn;
  sessions: Sessions;
  /** Whether a pool is one of this console's hosted runner's (history.status labels the pools). */
  isHostedPool?: (poolId: string) => boolean;
  /** Whether the running hosted runner's attempts are being recorded, and why not (history.status says it). */
  hostedRecording?: () => HostedRecording | null;
  /** Each batch of newly recorded attempts, inside its transaction (the usage domain's rollups). */
  onAttempts?: (batch: readonly RecordedAttempt[]) => void;
  /** An attempt's usage with its cost (the usage domain's price table), for the job page. */
  priceUsage?: (usage: ReportedUsage, at: number) => AttemptUsage;
  /** Builds the indexes a bulk write set aside (off the main thread where the host can); absent: built here. */
  restoreIndexes?: (table: string) => Promise<void>;
  /** Whether a connection id is a saved connection (a history asked for by id must be of one, or have records). */
  isSavedConnection?: (id: string) => boolean;
}

export interface HistoryDomain extends Domain<Ops> {
  /** The rules an error type is judged by everywhere: the operator's own (enabled and valid), then the built-ins. */
  errorRules: () => ErrorRule[];
  /** The classifier of the operator's rules and the built-ins, as the history applies it. */
  classify: (message: string) => string;
  /** The retry verdict of an error type and its label, by the operator's rules then the built-ins. */
  typeVerdict: (type: string) => { verdict: TypeVerdict; label: string };
  /** What the job explorer reads and records about single jobs. */
  records: JobRecords;
  /** The watcher of the active database, when one runs (tests read its scans). */
  watcher(): DbWatcher | null;
  /** The reader of the companion's attempts in the active database, when connected (tests make it read now). */
  reader(): CompanionReader | null;
  /** The connection a read shows: the one asked for, the active one, else the last active one. */
  connectionFor(id?: string): string | null;
  /** Resolves when no reclassification is running (tests, export after a rule change). */
  settled(timeoutMs?: number): Promise<void>;
}

const RETENTION_EVERY_MS = 10 * 60_000;
/** Rows per export page, and the size at which a page stops early (error texts can be 16 KiB each). */
const EXPORT_ROWS = 2000;
const EXPORT_BYTES = 4 * 1024 * 1024;

/**
 * Failure history: records the hosted runner's job events and the companion's attempts (jobdeck.attempts)
 * exactly, watches the database for what other processes do, keeps retention and reclassifies when the error
 * rules change. Reads never need a session.
 */
export function createHistory(ctx: HistoryContext): HistoryDomain {
  const { db, log, sessions } = ctx;
  const settings = historySettings(db);
  const attempts = attemptsRepo(db);
  let classifier: Classifier = compileClassifier(settings.rules());
  let watcher: DbWatcher | null = null;
  let reader: CompanionReader | null = null;
  let watchedConnection: string | null = null;
  let reclassifying: { done: number; total: number } | null = null;
  let rulesVersion = 0;
  // Every exact attempt, the hosted runner's included, comes through the companion (jobdeck.attempts) and the
  // reader: one path, so nothing is counted twice. The hosted runner's own events feed only its live status.
  const exact = exactAttemptsRepo(db, attempts, (m) => classifier.classify(m));
  const records: JobRecords = jobRecords(db, ctx.priceUsage);

  let retentionTimer: NodeJS.Timeout | null = null;
  const retention = async (): Promise<number> => {
    if (retentionTimer) clearTimeout(retentionTimer);
    let removed = 0;
    try {
      // Runs recorded before the duration rollups existed (migration 021): counted once, in chunks, in the background.
      await backfillDurations(db);
    } catch (error) {
      log('warn', `history: counting earlier runs' durations: ${(error as Error).message}`);
    }
    try {
      removed = await enforceRetention(db, settings.retentionDays());
    } catch (error) {
      log('warn', `history retention: ${(error as Error).message}`);
    }
    retentionTimer = setTimeout(() => void retention(), RETENTION_EVERY_MS);
    retentionTimer.unref();
    return removed;
  };
  // First pass soon after start, then every 10 minutes; never keeps the process alive.
  retentionTimer = setTimeout(() => void retention(), 5_000);
  retentionTimer.unref();

  /** A connection whose history was recorded here (a deleted connection's stays until retention removes it). */
  const hasHistory = db
    .prepare(
      `select exists(select 1 from job_attempts where connection_id = ?) or exists(select 1 from failure_attempts where connection_id = ?)`,
    )
    .pluck();
  /**
   * The connection a history question is about: the one asked for, else the active one, else the last one used. An id
   * asked for that is neither saved nor has any history (a typo) is a 404, not a page of zeros.
   */
  const resolveConnection = (id?: string): string | null => {
    const fallback = sessions.current()?.profile.id ?? settings.lastConnectionId();
    if (id === undefined || id === fallback || ctx.isSavedConnection?.(id) || hasHistory.get(id, id)) return id ?? fallback;
    throw new OpError('not_found', `No saved connection or recorded history has the id "${id}" (connections.list names them)`);
  };
  const connectionOf = (id?: string): string => {
    const resolved = resolveConnection(id);
    if (!resolved) throw new OpError('not_found', 'No failure history yet: connect to a database once to start recording it');
    return resolved;
  };
  const status = (connectionId?: string): HistoryStatus => {
    const id = resolveConnection(connectionId);
    const live = watchedConnection !== null && watchedConnection === id && sessions.current()?.status.state === 'online';
    const feature = {
      settings,
      watcher,
      reader,
      reclassifying,
      isHostedPool: ctx.isHostedPool ?? (() => false),
      hostedRecording: ctx.hostedRecording ?? (() => null),
    };
    return historyStatus(db, feature, id, live);
  };

  /** Replaces the operator's rules and reclassifies the kept history in the background. */
  const setRules = (rules: ErrorRule[]): void => {
    settings.setRules(rules);
    classifier = compileClassifier(rules);
    const version = ++rulesVersion;
    const current = classifier;
    reclassifying = { done: 0, total: 0 };
    void reclassifyAll(
      db,
      (m) => current.classify(m),
      (done, total) => {
        if (version === rulesVersion) reclassifying = { done, total };
      },
      () => version !== rulesVersion,
    )
      .catch((error) => log('error', `reclassify failed: ${(error as Error).message}`))
      .finally(() => {
        if (version === rulesVersion) reclassifying = null;
      });
  };
  const rulesAnswer = () => ({ rules: settings.rules(), types: classifier.types(), rejected: [...classifier.rejected] });

  return {
    name: 'history',
    records,
    watcher: () => watcher,
    reader: () => reader,
    connectionFor: (id) => resolveConnection(id),
    errorRules: () => [...settings.rules().filter((r) => r.enabled !== false && errorRuleSchema.safeParse(r).success), ...BUILTIN_RULES],
    classify: (message) => classifier.classify(message),
    typeVerdict: (type) => ({
      verdict: classifier.verdictOf(type),
      label: classifier.types().find((t) => t.type === type)?.label ?? type,
    }),
    async settled(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (reclassifying && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    },
    hooks: {
      onSessionOpen(session) {
        if (!session.status.schema?.installed) return;
        const connectionId = session.profile.id;
        watchedConnection = connectionId;
        // Read before the watcher's first scan writes a new one: where the watcher's coverage of this database ended.
        const watchedUntil = settings.lastScanAt(connectionId);
        settings.setLastConnectionId(connectionId);
        const feed = new CompanionReader({
          pool: session.pool,
          db,
          connectionId,
          exact,
          log,
          watchedUntil,
          isHostedPool: ctx.isHostedPool,
          onBatch: ctx.onAttempts,
        });
        const watch = new DbWatcher({
          pool: session.pool,
          db,
          connectionId,
          attempts,
          classify: (m) => classifier.classify(m),
          awaitsReport: () => feed.awaitsReport(),
          settleBefore: () => feed.settleBefore(),
          quietSince: (since) => session.quietSince(since),
          log,
          onScan: (scan) => settings.setLastScanAt(connectionId, scan.at),
          onDetected: (detection) => session.noteDetection(detection),
          restoreIndexes: ctx.restoreIndexes,
        });
        // The overview's counts follow the watcher's passes: Postgres reads the jobs once for both.
        session.attachRangeFeed({
          steady: () => watch.steady(),
          detectNow: () => watch.detectNow(),
        });
        reader = feed;
        watcher = watch;
        // The companion's account first: jobs that left while the console was away are then its to tell.
        feed.start();
        void feed.firstPass().then(() => {
          if (watcher === watch) watch.start();
        });
      },
      async onSessionClose() {
        await reader?.stop();
        await watcher?.stop();
        reader = null;
        watcher = null;
        watchedConnection = null;
      },
      async stop() {
        if (retentionTimer) clearTimeout(retentionTimer);
        retentionTimer = null;
        rulesVersion++;
        await reader?.stop();
        await watcher?.stop();
        reader = null;
        watcher = null;
      },
    },
    handlers: {
      'history.status': ({ connectionId }) => status(connectionId),
      'history.summary': ({ connectionId, window, task }) =>
        summarize(db, resolveConnection(connectionId), window, classifier.types(), task),
      'history.list': ({ cursor, limit, ...filter }) => listAttempts(db, connectionOf(filter.connectionId), filter, limit, cursor),
      'history.export': ({ cursor, format, ...filter }) => {
        const connectionId = connectionOf(filter.connectionId);
        const rows = [];
        let next: string | null = cursor ?? null;
        let bytes = 0;
        // Read in small pages until the export page is full, so one page stays bounded in rows and bytes.
        do {
          const page = listAttempts(db, connectionId, filter, 500, next ?? undefined);
          rows.push(...page.rows);
          bytes += page.rows.reduce((n, r) => n + r.error.length + 200, 0);
          next = page.nextCursor;
        } while (next && rows.length < EXPORT_ROWS && bytes < EXPORT_BYTES);
        const first = cursor === undefined;
        const content = format === 'csv' ? toCsv(rows, first) : toJsonChunk(rows, first, next === null);
        return { content, rows: rows.length, nextCursor: next };
      },
      'history.rules.get': () => rulesAnswer(),
      'history.rules.set': async ({ rules }) => {
        const ids = new Set<string>();
        for (const r of rules) {
          if (ids.has(r.id)) throw new OpError('invalid_input', `Two rules have the id "${r.id}": rule ids must be unique`);
          ids.add(r.id);
        }
        const session = ctx.sessions.current();
        if (session) await refuseWhatPostgresCannotRun(session.pool, rules);
        setRules(rules);
        return rulesAnswer();
      },
      'history.retention.set': async ({ days }) => {
        settings.setRetentionDays(days);
        await retention();
        return status();
      },
    },
  };
}

import { OpError } from '../../shared/contract/index.ts';
import type { RecoveryReport, RecoverySettings } from '../../shared/model/stuck.ts';
import type { Domain } from '../domain.ts';
import type { AuditLog, EventBus, HostedRunner, LogFn, Sessions } from '../context.ts';
import type { Db } from '../store/db.ts';
import type { OwnPoolsRepo } from '../runner/own-pools.ts';
import type { PoolLivenessSource } from '../workers/pool-liveness.ts';
import { recover, recoverSafely, type RecoverContext } from './recover.ts';
import { AUTO_CHECK_MS, createAutoRecovery, type AutoRecovery } from './auto.ts';
import { recoverySettingsRepo } from './settings-repo.ts';
import type { Session } from '../session.ts';

/** How soon a failed start-up recovery is tried again. */
const RETRY_MS = 30_000;

export interface RecoveryContext {
  /** This domain owns `recovery_settings`. */
  db: Db;
  sessions: Sessions;
  pools: Pick<OwnPoolsRepo, 'all' | 'markRecovered'>;
  hosted: HostedRunner;
  liveness: PoolLivenessSource;
  audit: AuditLog;
  events: EventBus;
  log: LogFn;
  /** How often automatic recovery checks (default 5 s). */
  autoCheckMs?: number;
  /** After a start-up recovery that failed (a lock held elsewhere, say), how soon it is tried again (default 30 s). */
  retryMs?: number;
  /** How long recovery waits for a job row another session holds (default 5 s). */
  lockTimeoutMs?: number;
}

type Ops = 'recovery.run' | 'recovery.settings' | 'recovery.configure';

export interface RecoveryDomain extends Domain<Ops> {
  /** The latest recovery of this engine (start-up, operator or automatic), or null before any. */
  last: () => RecoveryReport | null;
  /** The periodic check of automatic recovery (tests run it or count its runs). */
  auto: AutoRecovery;
}

/**
 * Crash recovery: when a session opens (before the hosted runner starts), unlock what this data folder's
 * earlier, dead runner pools still hold. At start-up it never blocks: failures are reported, not thrown.
 * Automatic recovery, when the operator turns it on for a connection, unlocks pools known gone as they die.
 */
export function createRecovery(ctx: RecoveryContext): RecoveryDomain {
  let last: RecoveryReport | null = null;
  const settings = recoverySettingsRepo(ctx.db);
  const finished = (report: RecoveryReport) => {
    last = report;
    ctx.events.emit({ type: 'recovery', report });
  };
  const recoverCtx: RecoverContext = {
    pools: ctx.pools,
    hosted: ctx.hosted,
    liveness: ctx.liveness,
    audit: ctx.audit,
    log: ctx.log,
    finished,
    lockTimeoutMs: ctx.lockTimeoutMs,
  };
  // A start-up recovery that failed is tried again while the same session lasts, until it succeeds; so is one that
  // left earlier pools of this data folder alone because their process still lived (a Jobdeck still quitting):
  // they are recovered once it has gone.
  let retry: NodeJS.Timeout | null = null;
  const pending = (session: Session) => {
    const current = ctx.hosted.poolId();
    return [...ctx.pools.all().values()].some(
      (p) => p.connectionId === session.profile.id && p.recoveredAt === null && p.poolId !== current,
    );
  };
  const stopRetry = () => {
    if (retry) clearTimeout(retry);
    retry = null;
  };
  const retryUntilDone = (session: Session, report: RecoveryReport) => {
    stopRetry();
    if (!report.error && !pending(session)) return;
    const everyMs = ctx.retryMs ?? RETRY_MS;
    if (report.error) ctx.log('warn', `recovery: trying again in ${Math.round(everyMs / 1000)} s`);
    retry = setTimeout(() => {
      retry = null;
      if (ctx.sessions.current() !== session) return;
      void recoverSafely(recoverCtx, session, 'startup').then((next) => retryUntilDone(session, next));
    }, everyMs);
    retry.unref();
  };
  const auto = createAutoRecovery({
    sessions: ctx.sessions,
    liveness: ctx.liveness,
    settings,
    audit: ctx.audit,
    log: ctx.log,
    finished,
    everyMs: ctx.autoCheckMs,
  });
  const settingsOf = (): RecoverySettings => {
    const session = ctx.sessions.current();
    if (!session) throw new OpError('not_connected', 'No database is connected');
    const connectionId = session.profile.id;
    return { connectionId, autoUnlockGone: settings.autoUnlockGone(connectionId), checkEveryMs: ctx.autoCheckMs ?? AUTO_CHECK_MS };
  };
  return {
    name: 'recovery',
    last: () => last,
    auto,
    hooks: {
      async onSessionOpen(session) {
        // Checks skip themselves while the session is offline, read-only or without graphile-worker's schema.
        auto.start();
        if (!session.status.schema?.installed) return;
        retryUntilDone(session, await recoverSafely(recoverCtx, session, 'startup'));
      },
      onSessionClose() {
        auto.stop();
        stopRetry();
      },
      stop() {
        auto.stop();
        stopRetry();
      },
    },
    handlers: {
      // The operator's "Recover" button: errors surface to the caller, unlike at start-up.
      'recovery.run': () => recover(recoverCtx, ctx.sessions.require(), 'operator'),
      'recovery.settings': () => settingsOf(),
      'recovery.configure': ({ autoUnlockGone }) => {
        settings.setAutoUnlockGone(settingsOf().connectionId, autoUnlockGone);
        // Turned on: the next check need not wait its turn.
        if (autoUnlockGone) void auto.check();
        return settingsOf();
      },
    },
  };
}

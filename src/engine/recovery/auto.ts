import type pg from 'pg';
import type { RecoveryReport } from '../../shared/model/stuck.ts';
import type { AuditLog, LogFn, Sessions } from '../context.ts';
import type { Session } from '../session.ts';
import type { PoolLivenessSource, PoolVerdict } from '../workers/pool-liveness.ts';
import { MISSED_HEARTBEATS } from '../workers/liveness.ts';
import { forceUnlock } from '../workers/unlock-gate.ts';
import type { RecoverySettingsRepo } from './settings-repo.ts';
import { emptyReport } from './recover.ts';

/** How often the check runs while a writable session is open: with 5 s heartbeats, a death is unlocked within ~25 s. */
export const AUTO_CHECK_MS = 5_000;

export interface AutoRecoveryContext {
  sessions: Sessions;
  liveness: PoolLivenessSource;
  settings: RecoverySettingsRepo;
  audit: AuditLog;
  log: LogFn;
  /** A check that unlocked something: kept as the latest recovery and sent to every window. */
  finished(report: RecoveryReport): void;
  everyMs?: number;
}

export interface AutoRecovery {
  /** Checks the active session every few seconds until `stop`. */
  start(): void;
  stop(): void;
  /** One check now; null when automatic recovery is off, the session unusable, or nothing was unlocked. */
  check(): Promise<RecoveryReport | null>;
  /** Checks finished so far (tests wait for a check to have run, rather than for time to pass). */
  checks(): number;
}

/** A companion row whose pool is gone or stopped, with the ids graphile-worker may have written to `locked_by`. */
interface SilentPool {
  pool_id: string;
  ids: string[];
  last_heartbeat_at: Date;
}

/**
 * Pools that reported through the companion and are no longer alive: stopped, or silent for more than
 * MISSED_HEARTBEATS intervals (the database's clock). Only those whose last sign of life is younger than
 * graphile-worker's own 4 h lock expiry can still hold a lock that matters. A small table, read every check.
 */
async function silentPools(db: Pick<pg.Pool, 'query'>): Promise<SilentPool[]> {
  const { rows: present } = await db.query<{ ok: boolean }>(
    `select to_regclass('jobdeck.workers') is not null and has_table_privilege(to_regclass('jobdeck.workers'), 'select') as ok`,
  );
  if (!present[0]?.ok) return [];
  const { rows } = await db.query<SilentPool>(
    `select pool_id, array_prepend(pool_id, worker_ids) as ids, last_heartbeat_at from jobdeck.workers
     where (stopped_at is not null or last_heartbeat_at < now() - make_interval(secs => $1 * heartbeat_interval_ms / 1000.0))
       and coalesce(stopped_at, last_heartbeat_at) > now() - interval '4 hours'
     limit 1000`,
    [MISSED_HEARTBEATS],
  );
  return rows;
}

/** Which of these ids hold a job or a queue row now. */
async function holding(db: Pick<pg.Pool, 'query'>, ids: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ locked_by: string }>(
    `select distinct locked_by from graphile_worker._private_jobs where locked_by = any($1::text[])
     union select distinct locked_by from graphile_worker._private_job_queues where locked_by = any($1::text[])`,
    [ids],
  );
  return new Set(rows.map((r) => r.locked_by));
}

/**
 * Automatic recovery (per connection, off by default): while a writable session is open, every few seconds,
 * the jobs and queues of pools known gone (their companion heartbeat three intervals late) or stopped yet still
 * holding locks are unlocked without an operator, one audit entry per pool. Pools of unknown liveness (no
 * companion) are never unlocked automatically: only an operator can judge them. A pool found empty is not read
 * again until it shows a new sign of life, so a fleet's history of dead pools costs one small read per check.
 */
export function createAutoRecovery(ctx: AutoRecoveryContext): AutoRecovery {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<RecoveryReport | null> | null = null;
  let checks = 0;
  let lastError: string | null = null;
  /** Silent pools seen holding nothing, by pool id, with the heartbeat they had then. */
  const empty = new Map<string, number>();

  const unlockPool = async (session: Session, pool: SilentPool, ids: string[], verdict: PoolVerdict) => {
    const done = await forceUnlock(session.pool, ids);
    ctx.audit.record({
      connectionId: session.profile.id,
      action: 'recovery.auto',
      target: { poolId: pool.pool_id, host: verdict.host, pid: verdict.pid },
      requested: done.jobsUnlocked,
      affected: done.jobsUnlocked,
      skipped: 0,
      detail: {
        liveness: verdict.liveness,
        reason: verdict.reason,
        lastHeartbeatAt: verdict.lastHeartbeatAt,
        stoppedAt: verdict.stoppedAt,
        lockIds: ids,
        queuesUnlocked: done.queuesUnlocked,
        jobsRequeued: done.jobsRequeued,
        jobsExhausted: done.jobsExhausted,
        jobIds: done.jobIds,
      },
      actor: 'jobdeck',
    });
    ctx.log(
      'warn',
      `automatic recovery: pool ${pool.pool_id} (host ${verdict.host}, pid ${verdict.pid}) is ${verdict.liveness}; unlocked ${done.jobsUnlocked} job(s) and ${done.queuesUnlocked} queue(s)`,
    );
    return done;
  };

  const run = async (): Promise<RecoveryReport | null> => {
    const session = ctx.sessions.current();
    if (!session || session.status.state !== 'online' || session.status.readOnlyReason || !session.status.schema?.installed) return null;
    if (!ctx.settings.autoUnlockGone(session.profile.id)) return null;
    const candidates = (await silentPools(session.pool)).filter((p) => empty.get(p.pool_id) !== p.last_heartbeat_at.getTime());
    if (candidates.length === 0) return null;
    const held = await holding(
      session.pool,
      candidates.flatMap((p) => p.ids),
    );
    for (const p of candidates) if (!p.ids.some((id) => held.has(id))) empty.set(p.pool_id, p.last_heartbeat_at.getTime());
    const withLocks = candidates.filter((p) => p.ids.some((id) => held.has(id)));
    if (withLocks.length === 0) return null;
    // The one liveness source decides, as for every unlock: only pools known gone or stopped, never a guess.
    const verdicts = await ctx.liveness.judge(session.pool, session.profile.id, [...held]);
    const report = emptyReport('auto');
    for (const pool of withLocks) {
      const ids = pool.ids.filter((id) => held.has(id));
      const verdict = verdicts.get(ids[0]);
      if (!verdict || verdict.knownBy !== 'companion' || (verdict.liveness !== 'gone' && verdict.liveness !== 'stopped')) continue;
      const done = await unlockPool(session, pool, ids, verdict);
      report.poolsFound += 1;
      report.poolsWithLocks.push(pool.pool_id);
      report.jobsUnlocked += done.jobsUnlocked;
      report.queuesUnlocked += done.queuesUnlocked;
      report.jobsRequeued += done.jobsRequeued;
      report.jobsExhausted += done.jobsExhausted;
    }
    if (report.poolsFound === 0) return null;
    void session.refresh().catch(() => {});
    ctx.finished(report);
    return report;
  };

  const check = (): Promise<RecoveryReport | null> => {
    running ??= run()
      .then(
        (report) => {
          lastError = null;
          return report;
        },
        (error: unknown) => {
          // Logged once per distinct failure, not every few seconds; a pool refused as alive again is not a failure.
          const message = String((error as Error)?.message ?? error).slice(0, 500);
          if (message !== lastError) ctx.log('error', `automatic recovery: ${message}`);
          lastError = message;
          return null;
        },
      )
      .finally(() => {
        checks += 1;
        running = null;
      });
    return running;
  };

  const stop = (): void => {
    if (timer) clearInterval(timer);
    timer = null;
    empty.clear();
  };
  return {
    start() {
      stop();
      timer = setInterval(() => void check(), ctx.everyMs ?? AUTO_CHECK_MS);
      timer.unref();
    },
    stop,
    check,
    checks: () => checks,
  };
}

import { OpError } from '../../shared/contract/index.ts';
import { parseRetryAfter } from '../../shared/errors/index.ts';
import {
  BREAKER_DEFAULTS,
  type Breaker,
  type BreakerEvent,
  type BreakerList,
  type BreakerSettings,
  type PauseKind,
} from '../../shared/model/control.ts';
import type { Domain } from '../domain.ts';
import type { AuditLog, EventBus, LogFn, Sessions } from '../context.ts';
import type { Db } from '../store/db.ts';
import type { ControlDomain, PauseActor } from '../control/domain.ts';
import { targetExists } from '../control/pauses-sql.ts';
import { breakersRepo, settingsOf, type BreakerRow } from './repo.ts';

type Ops = 'control.breaker.get' | 'control.breaker.set';

export interface BreakerContext {
  db: Db;
  sessions: Sessions;
  audit: AuditLog;
  events: EventBus;
  log: LogFn;
  /** Pauses and resumes through the control domain (the pause lives in the database, as an operator's does). */
  control: Pick<ControlDomain, 'pauseAs' | 'resumeAs' | 'findPause'>;
  /** Every trip and resume, for the alerts (wired in engine.ts). */
  onBreaker?: (event: BreakerEvent) => void;
  /** How often breakers are evaluated (default 1 s: a resume is due at a named second). */
  intervalMs?: number;
}

export type BreakerDomain = Domain<Ops>;

/** The pause a breaker makes is recorded as by this actor. */
const BREAKER_BY = 'breaker';
/** A pause ends at least this long after it begins (a named time already past, clocks a little apart). */
const MIN_PAUSE_MS = 2_000;
/** After a failed trip or resume (no privilege, database trouble), the breaker waits this long before trying again. */
const RETRY_AFTER_FAILURE_MS = 30_000;

/**
 * Circuit breakers (opt-in per task or queue): while Jobdeck runs, a timer looks at each enabled breaker's window of
 * exact attempts (the history's job_attempts, from the hosted runner and the companion); when rate-limit errors are
 * more than the threshold's share of at least minAttempts attempts, it pauses the task or queue until the time the
 * provider named in its last rate-limit error (else a cool-down), and resumes it then. Each trip and resume is in the
 * audit log, emitted as a `breaker` event and handed to `onBreaker`. After a resume the window starts afresh.
 */
export function createBreaker(ctx: BreakerContext): BreakerDomain {
  const repo = breakersRepo(ctx.db);
  // The last evaluation's window of each breaker, for the UI (by connection, kind and name).
  const windows = new Map<string, Breaker['window']>();
  const key = (r: { connection_id: string; kind: string; name: string }) => `${r.connection_id}\u0000${r.kind}\u0000${r.name}`;
  let timer: NodeJS.Timeout | null = null;
  let evaluating = false;
  // Breakers whose last trip or resume failed, and when to try again: one warning per 30 s, not one a second.
  const backoff = new Map<string, number>();

  const toBreaker = (r: BreakerRow): Breaker => ({
    kind: r.kind,
    name: r.name,
    ...settingsOf(r),
    state: r.tripped_at === null ? 'closed' : 'tripped',
    trippedAt: r.tripped_at === null ? null : new Date(r.tripped_at).toISOString(),
    resumeAt: r.resume_at === null ? null : new Date(r.resume_at).toISOString(),
    reason: r.trip_reason,
    window: windows.get(key(r)) ?? null,
  });

  const announce = (event: BreakerEvent) => {
    ctx.events.emit({ type: 'breaker', ...event });
    try {
      ctx.onBreaker?.(event);
    } catch (error) {
      ctx.log('warn', `breaker listener failed: ${(error as Error).message}`);
    }
  };

  const targetInput = (r: BreakerRow) => (r.kind === 'task' ? { task: r.name } : { queue: r.name });

  const tripIfDue = async (r: BreakerRow, now: number) => {
    // After a resume the window starts afresh: the storm that tripped it is not counted twice.
    const since = Math.max(now - r.window_minutes * 60_000, r.resume_at ?? 0);
    const counts = repo.windowCounts(r, since);
    windows.set(key(r), { attempts: counts.attempts, rateLimited: counts.limited, at: new Date(now).toISOString() });
    if (counts.attempts < r.min_attempts || counts.limited * 100 <= r.threshold_pct * counts.attempts) return;
    // Already paused (by the operator): nothing to add, and their pause is not to be given an end.
    if (await ctx.control.findPause(r.kind, r.name)) return;
    const last = repo.lastLimited(r, since);
    const named = last ? parseRetryAfter(last.error, new Date(last.at)) : null;
    const resumeAt = Math.max(named?.getTime() ?? now + r.cooldown_seconds * 1000, now + MIN_PAUSE_MS);
    const pct = Math.round((counts.limited * 100) / counts.attempts);
    const reason =
      `${counts.limited} of ${counts.attempts} attempts rate-limited (${pct} %, above ${r.threshold_pct} %) in the last ` +
      `${Math.round((now - since) / 60_000) || 1} min; resumes at ${new Date(resumeAt).toISOString()} ` +
      (named ? '(the time the provider named)' : `(after the ${r.cooldown_seconds} s cool-down)`);
    const actor: PauseActor = {
      by: BREAKER_BY,
      auditAction: 'control.breaker.trip',
      detail: {
        attempts: counts.attempts,
        rateLimited: counts.limited,
        resumeAt: new Date(resumeAt).toISOString(),
        // The rate-limit error the resume time was read from, and when it was raised.
        named: named ? { at: new Date(last!.at).toISOString(), error: last!.error.slice(0, 300) } : null,
      },
    };
    await ctx.control.pauseAs({ ...targetInput(r), until: new Date(resumeAt).toISOString(), reason: `Circuit breaker: ${reason}` }, actor);
    repo.trip(r, now, resumeAt, reason);
    announce({ action: 'tripped', target: { kind: r.kind, name: r.name }, reason, resumeAt: new Date(resumeAt).toISOString() });
  };

  /**
   * Resumes the breaker's pause; false when it ended meanwhile. A pause whose end has passed is removed by the next
   * sweep (the console's or a worker's), which can come between finding it and resuming it: that is its own end,
   * not a failure to wait 30 s on.
   */
  const resumeUnlessEnded = async (r: BreakerRow, actor: PauseActor): Promise<boolean> => {
    try {
      await ctx.control.resumeAs(targetInput(r), actor);
      return true;
    } catch (error) {
      if (await ctx.control.findPause(r.kind, r.name)) throw error;
      return false;
    }
  };

  const resumeIfDue = async (r: BreakerRow, now: number) => {
    const pause = await ctx.control.findPause(r.kind, r.name);
    const due = now >= (r.resume_at ?? 0);
    // Still paused and not due: nothing to do. Gone before its time: an operator resumed it.
    if (pause && !due) return;
    const actor: PauseActor = {
      by: BREAKER_BY,
      auditAction: 'control.breaker.resume',
      detail: { trippedAt: new Date(r.tripped_at!).toISOString() },
    };
    let reason: string;
    if (pause && pause.pausedBy === BREAKER_BY && (await resumeUnlessEnded(r, actor))) {
      reason = 'the time to resume came';
    } else {
      // The pause ended without the breaker: by its own end (swept), or an operator resumed or replaced it.
      reason = due ? 'the time to resume came (its pause had ended by itself)' : 'its pause was ended by an operator';
      const session = ctx.sessions.current();
      ctx.audit.record({
        connectionId: session?.profile.id ?? r.connection_id,
        action: 'control.breaker.resume',
        target: targetInput(r),
        requested: 0,
        affected: 0,
        skipped: 0,
        detail: { ...actor.detail, reason },
        actor: BREAKER_BY,
      });
    }
    repo.close(r, now);
    announce({ action: 'resumed', target: { kind: r.kind, name: r.name }, reason, resumeAt: null });
  };

  const evaluate = async () => {
    const session = ctx.sessions.current();
    if (evaluating || !session || session.status.readOnlyReason) return;
    evaluating = true;
    try {
      for (const r of repo.active(session.profile.id)) {
        if ((backoff.get(key(r)) ?? 0) > Date.now()) continue;
        try {
          if (r.tripped_at !== null) await resumeIfDue(r, Date.now());
          else await tripIfDue(r, Date.now());
          backoff.delete(key(r));
        } catch (error) {
          backoff.set(key(r), Date.now() + RETRY_AFTER_FAILURE_MS);
          ctx.log('warn', `circuit breaker of ${r.kind} ${r.name}: ${(error as Error).message} (tried again in 30 s)`);
        }
      }
    } finally {
      evaluating = false;
    }
  };

  const list = (): BreakerList => {
    const connectionId = ctx.sessions.current()?.profile.id;
    return { breakers: connectionId ? repo.all(connectionId).map(toBreaker) : [], defaults: { ...BREAKER_DEFAULTS } };
  };

  const set = async (input: { task?: string; queue?: string } & Partial<BreakerSettings> & { enabled: boolean }): Promise<Breaker> => {
    const session = ctx.sessions.require();
    const kind: PauseKind = input.task !== undefined ? 'task' : 'queue';
    const name = (input.task ?? input.queue)!;
    if (!(await targetExists(session.pool, kind, name)))
      throw new OpError('invalid_input', `Unknown ${kind} "${name}": graphile-worker has no ${kind} of that name`, { [kind]: name });
    const existing = repo.one(session.profile.id, kind, name);
    const base = existing ? settingsOf(existing) : BREAKER_DEFAULTS;
    const settings: BreakerSettings = {
      enabled: input.enabled,
      thresholdPct: input.thresholdPct ?? base.thresholdPct,
      windowMinutes: input.windowMinutes ?? base.windowMinutes,
      minAttempts: input.minAttempts ?? base.minAttempts,
      cooldownSeconds: input.cooldownSeconds ?? base.cooldownSeconds,
    };
    repo.save(session.profile.id, kind, name, settings, Date.now());
    ctx.audit.record({
      connectionId: session.profile.id,
      action: 'control.breaker.set',
      target: { [kind]: name },
      requested: 1,
      affected: 1,
      skipped: 0,
      detail: { ...settings },
    });
    ctx.events.emit({ type: 'control' });
    return toBreaker(repo.one(session.profile.id, kind, name)!);
  };

  return {
    name: 'breaker',
    handlers: {
      'control.breaker.get': list,
      'control.breaker.set': set,
    },
    hooks: {
      onSessionOpen() {
        if (timer) return;
        timer = setInterval(() => void evaluate(), ctx.intervalMs ?? 1_000);
        timer.unref();
      },
      stop() {
        if (timer) clearInterval(timer);
        timer = null;
      },
    },
  };
}

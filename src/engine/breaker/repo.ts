import type { Db } from '../store/db.ts';
import type { BreakerSettings, PauseKind } from '../../shared/model/control.ts';

/** A breaker as stored (SQLite `breakers`): settings and state. */
export interface BreakerRow {
  connection_id: string;
  kind: PauseKind;
  name: string;
  enabled: number;
  threshold_pct: number;
  window_minutes: number;
  min_attempts: number;
  cooldown_seconds: number;
  tripped_at: number | null;
  resume_at: number | null;
  trip_reason: string | null;
  updated_at: number;
}

export const settingsOf = (r: BreakerRow): BreakerSettings => ({
  enabled: r.enabled === 1,
  thresholdPct: r.threshold_pct,
  windowMinutes: r.window_minutes,
  minAttempts: r.min_attempts,
  cooldownSeconds: r.cooldown_seconds,
});

/** The breakers table, and what a breaker reads of the history: attempts in its window, the last rate-limit error. */
export function breakersRepo(db: Db) {
  const all = db.prepare<[string], BreakerRow>('select * from breakers where connection_id = ? order by kind, name');
  const one = db.prepare<[string, string, string], BreakerRow>('select * from breakers where connection_id = ? and kind = ? and name = ?');
  // Breakers of every connection that are on or tripped: the evaluator's work list.
  const active = db.prepare<[string], BreakerRow>(
    'select * from breakers where connection_id = ? and (enabled = 1 or tripped_at is not null)',
  );
  const upsert = db.prepare<BreakerRow>(
    `insert into breakers (connection_id, kind, name, enabled, threshold_pct, window_minutes, min_attempts, cooldown_seconds,
       tripped_at, resume_at, trip_reason, updated_at)
     values (@connection_id, @kind, @name, @enabled, @threshold_pct, @window_minutes, @min_attempts, @cooldown_seconds,
       @tripped_at, @resume_at, @trip_reason, @updated_at)
     on conflict (connection_id, kind, name) do update set enabled = excluded.enabled, threshold_pct = excluded.threshold_pct,
       window_minutes = excluded.window_minutes, min_attempts = excluded.min_attempts,
       cooldown_seconds = excluded.cooldown_seconds, updated_at = excluded.updated_at`,
  );
  const trip = db.prepare<{ c: string; k: string; n: string; at: number; resume: number; reason: string }>(
    'update breakers set tripped_at = @at, resume_at = @resume, trip_reason = @reason where connection_id = @c and kind = @k and name = @n',
  );
  const close = db.prepare<{ c: string; k: string; n: string; at: number }>(
    'update breakers set tripped_at = null, resume_at = @at where connection_id = @c and kind = @k and name = @n',
  );
  // Exact attempts (the hosted runner's and the companion's), each failure with the type the history gave it.
  const windowCounts = db.prepare<
    { c: string; task: string | null; queue: string | null; since: number },
    { attempts: number; limited: number }
  >(
    `select count(*) as attempts,
            coalesce(sum(case when a.outcome = 'failure' and f.error_type = 'rate_limit' then 1 else 0 end), 0) as limited
     from job_attempts a
     left join failure_attempts f on f.connection_id = a.connection_id and f.job_id = a.job_id and f.attempt = a.attempt
       and f.at = a.finished_at and f.source = a.source
     where a.connection_id = @c and a.finished_at >= @since
       and (@task is null or a.task = @task) and (@queue is null or a.queue = @queue)`,
  );
  const lastLimited = db.prepare<{ c: string; task: string | null; queue: string | null; since: number }, { error: string; at: number }>(
    `select error, at from failure_attempts
     where connection_id = @c and at >= @since and error_type = 'rate_limit'
       and (@task is null or task = @task) and (@queue is null or queue = @queue)
     order by at desc, id desc limit 1`,
  );
  const scope = (kind: PauseKind, name: string) => ({ task: kind === 'task' ? name : null, queue: kind === 'queue' ? name : null });

  return {
    all: (connectionId: string) => all.all(connectionId),
    one: (connectionId: string, kind: PauseKind, name: string) => one.get(connectionId, kind, name),
    active: (connectionId: string) => active.all(connectionId),
    save: (connectionId: string, kind: PauseKind, name: string, s: BreakerSettings, at: number) =>
      upsert.run({
        connection_id: connectionId,
        kind,
        name,
        enabled: s.enabled ? 1 : 0,
        threshold_pct: s.thresholdPct,
        window_minutes: s.windowMinutes,
        min_attempts: s.minAttempts,
        cooldown_seconds: s.cooldownSeconds,
        tripped_at: null,
        resume_at: null,
        trip_reason: null,
        updated_at: at,
      }),
    trip: (r: BreakerRow, at: number, resume: number, reason: string) =>
      trip.run({ c: r.connection_id, k: r.kind, n: r.name, at, resume, reason }),
    close: (r: BreakerRow, at: number) => close.run({ c: r.connection_id, k: r.kind, n: r.name, at }),
    windowCounts: (r: BreakerRow, since: number) => windowCounts.get({ c: r.connection_id, ...scope(r.kind, r.name), since })!,
    lastLimited: (r: BreakerRow, since: number) => lastLimited.get({ c: r.connection_id, ...scope(r.kind, r.name), since }),
  };
}

export type BreakersRepo = ReturnType<typeof breakersRepo>;

import type pg from 'pg';
import { OpError } from '../../shared/contract/index.ts';
import type { Pause, PauseKind, PauseList, PauseReport, ResumeReport } from '../../shared/model/control.ts';
import type { Domain } from '../domain.ts';
import type { AuditLog, EventBus, LogFn, Sessions } from '../context.ts';
import type { Session } from '../session.ts';
import { readPauses, sweepInTransaction, sweepPauses, unparkJobs } from '../../worker/pause-sql.ts';
import { LOCK_CLASS, LOCK_PAUSE_SWEEP } from '../../worker/schema.ts';
import { ensurePausesSchema, pausesInstalled } from './schema.ts';
import { findPause, listPauses, runningJobs, targetExists, unheldPools, upsertPause } from './pauses-sql.ts';

type Ops = 'control.pause' | 'control.resume' | 'control.list';

export interface ControlContext {
  sessions: Sessions;
  audit: AuditLog;
  events: EventBus;
  log: LogFn;
  /** How often the console sweeps while pauses exist (parks new jobs of paused queues, ends expired pauses). */
  sweepIntervalMs?: number;
}

/** Who pauses or resumes, as the pause row and the audit log record it (the operator, or a circuit breaker). */
export interface PauseActor {
  by: string;
  auditAction: string;
  detail?: Record<string, unknown>;
}

const OPERATOR_PAUSE: PauseActor = { by: 'operator', auditAction: 'control.pause' };
const OPERATOR_RESUME: PauseActor = { by: 'operator', auditAction: 'control.resume' };

export interface ControlDomain extends Domain<Ops> {
  /** A pause on someone else's behalf (the circuit breaker): the same checks, pause row and audit entry. */
  pauseAs(input: { task?: string; queue?: string; until?: string; reason?: string }, actor: PauseActor): Promise<PauseReport>;
  resumeAs(input: { task?: string; queue?: string }, actor: PauseActor): Promise<ResumeReport>;
  /** The pause of a task or queue in the active database, or null (none, or no pauses table). */
  findPause(kind: PauseKind, name: string): Promise<Pause | null>;
}

const targetOf = (input: { task?: string; queue?: string }): { kind: PauseKind; name: string } =>
  input.task !== undefined ? { kind: 'task', name: input.task } : { kind: 'queue', name: input.queue! };

async function inTransaction<T>(session: Session, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await session.pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Pause and resume of tasks and named queues. A pause lives in the database (`jobdeck.pauses`), so it holds
 * when this console quits: workers with the companion read it and stop taking the task's jobs, and its waiting
 * jobs are parked through graphile-worker's reschedule_jobs with the run_at they had kept for resume. While a
 * session is open and pauses exist, the console sweeps too (for consoles hosting no runner).
 */
export function createControl(ctx: ControlContext): ControlDomain {
  const { sessions } = ctx;
  let sweepTimer: NodeJS.Timeout | null = null;
  let sweeping = false;

  const sweep = async () => {
    const session = sessions.current();
    if (sweeping || !session || session.status.readOnlyReason) return;
    sweeping = true;
    try {
      if (!(await pausesInstalled(session.pool))) return;
      if ((await readPauses(session.pool)).length === 0) return;
      const client = await session.pool.connect();
      try {
        const { restored } = await sweepPauses(client);
        if (restored) ctx.events.emit({ type: 'control' });
      } finally {
        client.release();
      }
    } catch (error) {
      ctx.log('warn', `pause sweep failed: ${(error as Error).message}`);
    } finally {
      sweeping = false;
    }
  };

  const pause = async (
    input: { task?: string; queue?: string; until?: string; reason?: string },
    actor: PauseActor = OPERATOR_PAUSE,
  ): Promise<PauseReport> => {
    const session = sessions.writable();
    const { kind, name } = targetOf(input);
    if (!(await targetExists(session.pool, kind, name))) {
      throw new OpError('invalid_input', `Unknown ${kind} "${name}": graphile-worker has no ${kind} of that name`, { [kind]: name });
    }
    if (input.until) {
      const { rows } = await session.pool.query<{ past: boolean }>('select $1::timestamptz <= now() as past', [input.until]);
      if (rows[0].past) throw new OpError('invalid_input', `until (${input.until}) is not in the future`, { until: input.until });
    }
    const setup = await session.pool.connect();
    try {
      await ensurePausesSchema(setup);
    } finally {
      setup.release();
    }
    const { parked, running, paused } = await inTransaction(session, async (c) => {
      await upsertPause(c, { kind, name, until: input.until ?? null, reason: input.reason ?? null, by: actor.by });
      const swept = await sweepInTransaction(c, true);
      await c.query(`select pg_notify('jobdeck:pause', $1)`, [`${kind}:${name}`]);
      return { parked: swept.parked, running: await runningJobs(c, kind, name), paused: (await findPause(c, kind, name))! };
    });
    const auditId = ctx.audit.record({
      connectionId: session.profile.id,
      action: actor.auditAction,
      target: { [kind]: name },
      requested: parked,
      affected: parked,
      skipped: 0,
      detail: { until: input.until ?? null, reason: input.reason ?? null, parked, running, ...actor.detail },
      actor: actor.by,
    });
    ctx.events.emit({ type: 'control' });
    void session.refresh().catch(() => {});
    return { pause: paused, parked, running, auditId };
  };

  const resume = async (input: { task?: string; queue?: string }, actor: PauseActor = OPERATOR_RESUME): Promise<ResumeReport> => {
    const session = sessions.writable();
    const { kind, name } = targetOf(input);
    const found = (await pausesInstalled(session.pool)) ? await findPause(session.pool, kind, name) : null;
    if (!found) throw new OpError('invalid_input', `The ${kind} "${name}" is not paused`, { [kind]: name });
    const restored = await inTransaction(session, async (c) => {
      // After any sweep in flight, so none parks these jobs again from a snapshot that still saw the pause.
      await c.query('select pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, LOCK_PAUSE_SWEEP]);
      const n = await unparkJobs(c, [found.id]);
      await c.query('delete from jobdeck.pauses where id = $1', [found.id]);
      await c.query(`select pg_notify('jobdeck:pause', $1)`, [`${kind}:${name}`]);
      return n;
    });
    const auditId = ctx.audit.record({
      connectionId: session.profile.id,
      action: actor.auditAction,
      target: { [kind]: name },
      requested: found.parkedJobs,
      affected: restored,
      skipped: Math.max(0, found.parkedJobs - restored),
      detail: { pausedAt: found.pausedAt, restored, ...actor.detail },
      actor: actor.by,
    });
    ctx.events.emit({ type: 'control' });
    void session.refresh().catch(() => {});
    return { kind, name, restored, auditId };
  };

  const list = async (): Promise<PauseList> => {
    const session = sessions.require();
    if (!(await pausesInstalled(session.pool))) return { available: false, pauses: [], unheldPools: [] };
    const pauses = await listPauses(session.pool);
    return { available: true, pauses, unheldPools: pauses.length ? await unheldPools(session.pool) : [] };
  };

  return {
    name: 'control',
    pauseAs: pause,
    resumeAs: resume,
    async findPause(kind, name) {
      const session = sessions.current();
      if (!session || !(await pausesInstalled(session.pool))) return null;
      return findPause(session.pool, kind, name);
    },
    handlers: {
      'control.pause': (input) => pause(input),
      'control.resume': (input) => resume(input),
      'control.list': list,
    },
    hooks: {
      onSessionOpen() {
        if (sweepTimer) return;
        sweepTimer = setInterval(() => void sweep(), ctx.sweepIntervalMs ?? 2_000);
        sweepTimer.unref();
      },
      stop() {
        if (sweepTimer) clearInterval(sweepTimer);
        sweepTimer = null;
      },
    },
  };
}

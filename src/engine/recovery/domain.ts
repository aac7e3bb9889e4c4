import type { RecoveryReport } from '../../shared/model/stuck.ts';
import type { Domain } from '../domain.ts';
import type { AuditLog, EventBus, HostedRunner, LogFn, Sessions } from '../context.ts';
import type { OwnPoolsRepo } from '../runner/own-pools.ts';
import { recover, recoverSafely, type RecoverContext } from './recover.ts';

export interface RecoveryContext {
  sessions: Sessions;
  pools: Pick<OwnPoolsRepo, 'all' | 'markRecovered'>;
  hosted: HostedRunner;
  audit: AuditLog;
  events: EventBus;
  log: LogFn;
}

export interface RecoveryDomain extends Domain<'recovery.run'> {
  /** The latest recovery of this engine (start-up or operator), or null before any. */
  last: () => RecoveryReport | null;
}

/**
 * Crash recovery: when a session opens (before the hosted runner starts), unlock what this data folder's
 * earlier, dead runner pools still hold. At start-up it never blocks: failures are reported, not thrown.
 */
export function createRecovery(ctx: RecoveryContext): RecoveryDomain {
  let last: RecoveryReport | null = null;
  const recoverCtx: RecoverContext = {
    pools: ctx.pools,
    hosted: ctx.hosted,
    audit: ctx.audit,
    log: ctx.log,
    finished(report) {
      last = report;
      ctx.events.emit({ type: 'recovery', report });
    },
  };
  return {
    name: 'recovery',
    last: () => last,
    hooks: {
      async onSessionOpen(session) {
        if (!session.status.schema?.installed) return;
        await recoverSafely(recoverCtx, session, 'startup');
      },
    },
    handlers: {
      // The operator's "Recover" button: errors surface to the caller, unlike at start-up.
      'recovery.run': () => recover(recoverCtx, ctx.sessions.require(), 'operator'),
    },
  };
}

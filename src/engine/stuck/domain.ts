import { OpError } from '../../shared/contract/index.ts';
import { targetExists } from '../control/pauses-sql.ts';
import type { RecoveryReport, StuckReport } from '../../shared/model/stuck.ts';
import type { Domain } from '../domain.ts';
import type { AuditLog, HostedRunner, Sessions } from '../context.ts';
import type { Db } from '../store/db.ts';
import type { BulkContext } from '../jobs/bulk.ts';
import type { TransientScreen } from '../jobs/verdicts.ts';
import type { PoolLivenessSource } from '../workers/pool-liveness.ts';
import { stuckReport } from './report.ts';
import { StuckReads } from './table-reads.ts';
import type { DueRow } from './queries.ts';
import { thresholdsRepo } from './thresholds-repo.ts';
import { unlockPools, type UnlockContext } from './unlock.ts';
import { stuckAction } from './act.ts';

type Ops = 'stuck.get' | 'stuck.setThreshold' | 'stuck.unlock' | 'stuck.retry' | 'stuck.cancel';

export interface StuckContext {
  /** This domain owns `stuck_thresholds`. */
  db: Db;
  sessions: Sessions;
  audit: AuditLog;
  hosted: HostedRunner;
  /** Whether each pool runs: the one liveness source every unlock uses. */
  liveness: PoolLivenessSource;
  /** The Jobs view's bulk-action path, shared so every view's actions behave and report alike. */
  bulk: BulkContext;
  /** The Jobs view's transient-only screen: a retry of a failed group leaves out the jobs a retry won't help. */
  screenTransient: TransientScreen;
  lastRecovery: () => RecoveryReport | null;
}

/** Stuck items: jobs locked too long or held by gone pools, blocked queues, due jobs nobody takes, failed groups. */
export interface StuckDomain extends Domain<Ops> {
  /** The default lock threshold of a connection (ms): pools of unknown liveness are judged gone beyond it. */
  defaultThresholdMs(connectionId: string): number;
  /** The report for other domains (without the jobs behind blocked queues); `fresh` as in stuckReport's options. */
  report(limit: number, fresh: boolean): Promise<StuckReport>;
  /** Due jobs per task, not held behind a locked queue, with how long the oldest has waited (the alerts read it). */
  due(fresh: boolean): Promise<DueRow[]>;
}

export function createStuck(ctx: StuckContext): StuckDomain {
  const { sessions } = ctx;
  const thresholds = thresholdsRepo(ctx.db);
  const unlock: UnlockContext = { liveness: ctx.liveness, audit: ctx.audit };
  const actions = { bulk: ctx.bulk, unlock, hosted: ctx.hosted, screenTransient: ctx.screenTransient };
  const report = {
    liveness: ctx.liveness,
    hosted: ctx.hosted,
    thresholds: (id: string) => thresholds.get(id),
    lastRecovery: ctx.lastRecovery,
    reads: new StuckReads(),
  };
  return {
    name: 'stuck',
    defaultThresholdMs: (connectionId) => thresholds.get(connectionId).defaultMinutes * 60_000,
    report: (limit, fresh) => stuckReport(report, sessions.require(), limit, { fresh, samples: false }),
    due: async (fresh) => (await report.reads.read(sessions.require(), fresh)).due,
    handlers: {
      'stuck.get': ({ limit }) => stuckReport(report, sessions.require(), limit, { fresh: true, samples: true }),
      'stuck.setThreshold': async ({ task, minutes }) => {
        const session = sessions.require();
        if (task === '*') throw new OpError('invalid_input', 'Use task: null to set the default threshold');
        if (task === null && minutes === null) throw new OpError('invalid_input', 'The default threshold cannot be removed, only changed');
        // A threshold for a name no worker registered would never apply (a typo, say); removing one always may.
        if (task !== null && minutes !== null && !(await targetExists(session.pool, 'task', task)))
          throw new OpError('invalid_input', `graphile-worker knows no task "${task}": a threshold is set for a task its workers run`);
        thresholds.set(session.profile.id, task, minutes);
        return thresholds.get(session.profile.id);
      },
      'stuck.unlock': ({ poolIds, force }) => unlockPools(unlock, sessions.require(), poolIds, force),
      'stuck.retry': ({ target, runAt, force, transientOnly, actionId }) =>
        stuckAction(actions, sessions.require(), 'retry', target, { runAt, force, actionId, transientOnly }),
      'stuck.cancel': ({ target, force, actionId }) => stuckAction(actions, sessions.require(), 'cancel', target, { force, actionId }),
    },
  };
}

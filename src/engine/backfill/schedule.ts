import type { Task, TaskList } from 'graphile-worker';
import type { BackfillRule } from '../../shared/model/backfill.ts';
import type { LifecycleHooks } from '../domain.ts';
import type { Sessions } from '../context.ts';
import type { Session } from '../session.ts';
import { runRule, type RunContext } from './run-rule.ts';

/**
 * Each scheduled rule has its own task identifier, so only a Jobdeck that holds the rule takes its jobs
 * (another console hosting a runner on the same database does not know it and never asks for that task).
 */
export const scheduledTaskName = (ruleId: string) => `jobdeck_backfill:${ruleId}`;

/**
 * graphile-worker crontab lines (UTC) for every-N-minutes schedules. The `id` names the schedule in
 * `_private_known_crontabs`, where graphile-worker records each tick once: with several Jobdecks holding the
 * same rule (exported and imported, the id kept) on one database, each tick still queues one job. `fill`: a
 * tick missed while no runner ran (a restart to load a new schedule) is caught up, at most one interval back.
 * `max=1`: a failed scheduled run is not retried, the next tick is the retry.
 */
export function crontabLine(rule: Pick<BackfillRule, 'id' | 'scheduleMinutes'>): string | null {
  const n = rule.scheduleMinutes;
  if (!n) return null;
  const when = n < 60 ? `*/${n} * * * *` : n < 1440 ? `0 */${n / 60} * * *` : '0 0 * * *';
  return `${when} ${scheduledTaskName(rule.id)} ?id=jobdeck_backfill_${rule.id}&fill=${n}m&max=1&jobKey=jobdeck_backfill_${rule.id}`;
}

/** Runs scheduled backfill rules through the hosted runner's crontab: the domain's lifecycle hooks. */
export function scheduleHooks(ctx: RunContext, sessions: Sessions): LifecycleHooks {
  const runScheduled =
    (ruleId: string, session: Session): Task =>
    async (_payload, helpers) => {
      const rule = ctx.repo.get(ruleId);
      if (!rule || rule.scheduleMinutes === null || rule.connectionId !== session.profile.id) {
        helpers.logger.info(`backfill rule ${ruleId} is no longer scheduled here; nothing to do`);
        return;
      }
      // The session may have been replaced since the runner started: use the one that is active now.
      if (sessions.current() !== session) return;
      // Same rule as the write operations: never queue into a database the console must only watch.
      if (session.status.readOnlyReason) {
        helpers.logger.warn(`backfill "${rule.name}" not run: ${session.status.readOnlyReason}`);
        return;
      }
      try {
        const result = await runRule(ctx, session, rule, { trigger: 'schedule' });
        helpers.logger.info(`backfill "${rule.name}": ${result.message}`);
      } catch (error) {
        // Logged in the rule's run log already, and rethrown: the job fails, so the Failures view and the history
        // count a failed run as failed (it read "100 % succeeded"). With max=1 it is not retried, and the next tick's
        // job takes its key: one failed job per rule at most stays in the table.
        helpers.logger.warn(`backfill "${rule.name}" failed: ${(error as Error).message}`);
        throw error;
      }
    };
  return {
    tasks(session): TaskList {
      const tasks: TaskList = {};
      for (const rule of ctx.repo.scheduled(session.profile.id)) tasks[scheduledTaskName(rule.id)] = runScheduled(rule.id, session);
      return tasks;
    },
    crontab(session) {
      return ctx.repo
        .scheduled(session.profile.id)
        .map(crontabLine)
        .filter((line): line is string => line !== null);
    },
  };
}

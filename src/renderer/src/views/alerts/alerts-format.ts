import type { AlertRule, AlertRuleKind } from '../../../../shared/model/alerts.ts';
import { href } from '../../href.ts';

export const RULE_KIND_LABELS: Record<AlertRuleKind, string> = {
  backlog: 'Backlog above N for M minutes',
  oldest_due: 'Oldest due job older than',
  failure_rate: 'Failure rate (or one error type) above',
  stuck: 'Jobs stuck',
  no_worker: 'Due jobs and no worker',
  worker_gone: 'A worker gone',
  daily_spend: 'LLM spend over a daily budget',
};

/** One line saying what a rule watches, as the list shows it. */
export function describeRule(rule: AlertRule): string {
  switch (rule.kind) {
    case 'backlog': {
      const scope = rule.task ? `task ${rule.task}` : rule.queue ? `queue ${rule.queue}` : 'all tasks';
      return `Backlog of ${scope} above ${rule.above} ${rule.forMinutes ? `for ${rule.forMinutes} min` : 'at once (no minimum duration)'}`;
    }
    case 'oldest_due':
      return `Oldest due job of ${rule.task ?? 'any task'} older than ${rule.olderThanMinutes} min`;
    case 'failure_rate':
      return `${rule.errorType ? `${rule.errorType} errors` : 'Failures'} above ${rule.abovePercent}% of attempts of ${rule.task ?? 'all tasks'} over ${rule.windowMinutes} min (at least ${rule.minAttempts} attempts)`;
    case 'stuck':
      return `At least ${rule.atLeast} stuck job${rule.atLeast === 1 ? '' : 's'}`;
    case 'no_worker':
      return `Due jobs of ${rule.task ?? 'any task'} and no worker`;
    case 'worker_gone':
      return 'A worker with the companion stopped heartbeating';
    case 'daily_spend':
      return `LLM spend today (UTC) above $${rule.budgetUsd}`;
  }
}

/** A refusal's "Rule 3, …" said of the rule being added (not listed yet), each time it is named. */
export const asNewRule = (refusal: string, n: number): string =>
  refusal.replace(new RegExp(`(^|; )rule ${n}, `, 'gi'), (_m, sep: string) => `${sep}${sep ? 'the' : 'The'} new rule, `);

/**
 * Where an alert's condition can be acted on, from its rule: the jobs it counts (to retry or cancel them), the Stuck
 * view, the workers, the spend. On-call goes from the alert to the fix in one click.
 */
export function alertLink(rule: AlertRule): { href: string; label: string } {
  switch (rule.kind) {
    case 'backlog':
      // The backlog counts jobs ready and waiting to retry (the evaluator's own words): both are listed.
      return { href: href('jobs', { state: 'ready,retrying', task: rule.task, queue: rule.queue }), label: 'Open the waiting jobs' };
    case 'oldest_due':
    case 'no_worker':
      return { href: href('jobs', { state: 'ready', task: rule.task }), label: 'Open the due jobs' };
    case 'failure_rate':
      return rule.errorType
        ? { href: href('jobs', { errorType: rule.errorType, task: rule.task }), label: 'Open the jobs with this error' }
        : { href: href('failures', { task: rule.task }), label: 'Open the failures' };
    case 'stuck':
      return { href: href('stuck'), label: 'Open the stuck items' };
    case 'worker_gone':
      return { href: href('workers'), label: 'Open the workers' };
    case 'daily_spend':
      return { href: href('usage'), label: 'Open the spend' };
  }
}

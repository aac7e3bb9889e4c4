import type { AlertField, AlertRule, AlertSeverity } from '../../shared/model/alerts.ts';
import type { HistorySummary } from '../../shared/model/history.ts';
import type { AlertSources } from './sources.ts';
import { duration, percent, plural, usd, utcDay } from './format.ts';

/** A condition that holds now for one subject of a rule (a task, a pool, or the rule as a whole: ''). */
export interface Finding {
  subject: string;
  severity: AlertSeverity;
  title: string;
  text: string;
  fields: AlertField[];
}

/** How long a condition must hold before its episode opens (only the backlog rule waits). */
export const holdForMs = (rule: AlertRule) => (rule.kind === 'backlog' ? rule.forMinutes * 60_000 : 0);

/** Reads each source at most once per evaluation, however many rules use it. */
export function memoSources(sources: AlertSources): AlertSources {
  const cache = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, read: () => Promise<T>): Promise<T> => {
    if (!cache.has(key)) cache.set(key, read());
    return cache.get(key) as Promise<T>;
  };
  return {
    active: () => sources.active(),
    snapshot: () => sources.snapshot(),
    stuck: () => once('stuck', () => sources.stuck()),
    due: () => once('due', () => sources.due()),
    workers: () => once('workers', () => sources.workers()),
    history: (window, task) => once(`history:${window}:${task ?? ''}`, () => sources.history(window, task)),
    usage: () => once('usage', () => sources.usage()),
    errorTypes: () => sources.errorTypes(),
  };
}

const named = (rule: AlertRule, generated: string) => (rule.name ? `${rule.name}: ${generated}` : generated);

/** Failures (all, or of one type) and attempts over the last `windowMs` of a history summary's buckets. */
export function windowFigures(summary: HistorySummary, windowMs: number, errorType?: string) {
  const from = Date.parse(summary.to) - windowMs;
  let failures = 0;
  let matching = 0;
  let successes = 0;
  // A bucket counts when it starts inside the window: the window is read to the buckets' resolution.
  for (const b of summary.buckets) {
    if (b.t < from - summary.bucketMs / 2) continue;
    failures += b.failures;
    successes += b.successes;
    matching += errorType ? (b.byType[errorType] ?? 0) : b.failures;
  }
  return { failures, matching, attempts: failures + successes };
}

/** The findings of one rule now; throws when a figure it needs cannot be read (then nothing changes). */
export async function evaluateRule(rule: AlertRule, sources: AlertSources, now: number): Promise<Finding[]> {
  switch (rule.kind) {
    case 'backlog': {
      const snapshot = sources.snapshot();
      if (!snapshot) throw new Error('no counts yet');
      const row = rule.task
        ? snapshot.byTask.find((t) => t.task === rule.task)
        : rule.queue
          ? snapshot.byQueue.find((q) => q.queue === rule.queue)
          : snapshot.totals;
      const waiting = row ? row.ready + row.retrying : 0;
      if (waiting <= rule.above) return [];
      const scope = rule.task ? `task ${rule.task}` : rule.queue ? `queue ${rule.queue}` : 'all tasks';
      return [
        {
          subject: '',
          severity: 'warning',
          title: named(rule, `Backlog of ${scope}: ${plural(waiting, 'job')} waiting`),
          text: `${plural(waiting, 'job')} wait (ready or waiting to retry), above ${rule.above.toLocaleString('en-US')}${rule.forMinutes ? ` for ${rule.forMinutes} min` : ''}.`,
          fields: [
            { title: 'Waiting', value: String(waiting) },
            { title: 'Threshold', value: `> ${rule.above}${rule.forMinutes ? ` for ${rule.forMinutes} min` : ''}` },
            { title: 'Ready', value: String(row?.ready ?? 0) },
            { title: 'Waiting to retry', value: String(row?.retrying ?? 0) },
          ],
        },
      ];
    }
    case 'oldest_due': {
      const limitMs = rule.olderThanMinutes * 60_000;
      return (await sources.due())
        .filter((d) => (!rule.task || d.task === rule.task) && d.waiting_ms > limitMs)
        .map((d) => ({
          subject: d.task,
          severity: 'warning' as const,
          title: named(rule, `${d.task}: oldest due job waiting ${duration(d.waiting_ms)}`),
          text: `${plural(d.due, 'due job')} of ${d.task}; the oldest has waited ${duration(d.waiting_ms)} (limit ${rule.olderThanMinutes} min).`,
          fields: [
            { title: 'Task', value: d.task },
            { title: 'Due jobs', value: String(d.due) },
            { title: 'Oldest waits', value: duration(d.waiting_ms) },
          ],
        }));
    }
    case 'failure_rate': {
      const windowMs = rule.windowMinutes * 60_000;
      const summary = await sources.history(rule.windowMinutes <= 60 ? '1h' : '24h', rule.task);
      const { matching, attempts } = windowFigures(summary, windowMs, rule.errorType);
      if (attempts < rule.minAttempts) return [];
      const share = matching / attempts;
      if (share * 100 <= rule.abovePercent) return [];
      const what = rule.errorType ? `${rule.errorType} errors` : 'failures';
      const scope = rule.task ?? 'all tasks';
      return [
        {
          subject: '',
          severity: 'warning',
          title: named(rule, `${scope}: ${percent(share)} ${what} over ${rule.windowMinutes} min`),
          text: `${matching} of ${attempts} attempts in the last ${rule.windowMinutes} min were ${what} (${percent(share)}, above ${rule.abovePercent}%).`,
          fields: [
            { title: rule.errorType ? 'Share' : 'Failure rate', value: percent(share) },
            { title: 'Threshold', value: `> ${rule.abovePercent}% over ${rule.windowMinutes} min` },
            { title: 'Attempts', value: String(attempts) },
            { title: rule.errorType ? `${rule.errorType} errors` : 'Failures', value: String(matching) },
          ],
        },
      ];
    }
    case 'stuck': {
      const report = await sources.stuck();
      if (report.stuckTotal < rule.atLeast) return [];
      const tasks = [...new Set(report.stuckJobs.map((j) => j.task))].slice(0, 5).join(', ');
      return [
        {
          subject: '',
          severity: 'critical',
          title: named(rule, `${plural(report.stuckTotal, 'stuck job')}`),
          text: `${plural(report.stuckTotal, 'job')} locked too long or held by a worker that is gone${tasks ? ` (${tasks})` : ''}. Open the Stuck view to unlock or retry them.`,
          fields: [
            { title: 'Stuck jobs', value: String(report.stuckTotal) },
            { title: 'Tasks', value: tasks || '-' },
          ],
        },
      ];
    }
    case 'no_worker': {
      const report = await sources.stuck();
      return report.due
        .filter((d) => d.verdict === 'no-worker' && (!rule.task || d.task === rule.task))
        .map((d) => ({
          subject: d.task,
          severity: 'critical' as const,
          title: named(rule, `${d.task}: ${plural(d.due, 'due job')} and no worker`),
          text: `${plural(d.due, 'job')} of ${d.task} are due, none runs, and the oldest has waited ${duration(d.waitingMs)}: probably no running worker supports this task.`,
          fields: [
            { title: 'Task', value: d.task },
            { title: 'Due jobs', value: String(d.due) },
            { title: 'Oldest waits', value: duration(d.waitingMs) },
          ],
        }));
    }
    case 'worker_gone': {
      const list = await sources.workers();
      return list.workers
        .filter((w) => w.liveness === 'gone')
        .map((w) => {
          const who = w.host ? `${w.host}${w.pid ? ` (pid ${w.pid})` : ''}` : w.poolId;
          return {
            subject: w.poolId,
            severity: 'critical' as const,
            title: named(rule, `Worker ${who} is gone`),
            text: `${w.reason}. It held ${plural(w.running.length, 'job')}.`,
            fields: [
              { title: 'Pool', value: w.poolId },
              { title: 'Last heartbeat', value: w.lastHeartbeatAt ?? 'never' },
              { title: 'Jobs held', value: String(w.running.length) },
            ],
          };
        });
    }
    case 'daily_spend': {
      const usage = await sources.usage();
      const dayStart = Date.parse(`${utcDay(now)}T00:00:00Z`);
      let spent = 0;
      for (const slot of usage.series) if (Date.parse(slot.at) >= dayStart) spent += slot.costUsd ?? 0;
      if (spent <= rule.budgetUsd) return [];
      return [
        {
          subject: utcDay(now),
          severity: 'warning',
          title: named(rule, `LLM spend today ${usd(spent)}, over the ${usd(rule.budgetUsd)} budget`),
          text: `Priced LLM usage since 00:00 UTC is ${usd(spent)}, above the daily budget of ${usd(rule.budgetUsd)}.`,
          fields: [
            { title: 'Spent today (UTC)', value: usd(spent) },
            { title: 'Budget', value: usd(rule.budgetUsd) },
          ],
        },
      ];
    }
  }
}

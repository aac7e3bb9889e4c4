import type { TaskEstimate, UsageEstimate } from '../../shared/model/usage.ts';
import type { UsageSummaries } from './summary.ts';

/** The recent average is taken over this many days of attempts. */
export const ESTIMATE_DAYS = 7;
const HOUR_MS = 3600_000;

/**
 * What running `jobs` more attempts of each task would cost: the task's average per attempt over the last
 * ESTIMATE_DAYS (failed attempts included: they are part of what a retry costs), times the jobs. The cost
 * average is over the attempts whose cost is known; a task with no usage recorded gives none.
 */
export function estimateUsage(
  summaries: UsageSummaries,
  connectionId: string | null,
  jobsByTask: readonly { task: string; jobs: number }[],
  now = Date.now(),
): UsageEstimate {
  const fromMs = now - ESTIMATE_DAYS * 24 * HOUR_MS;
  const wanted = new Set(jobsByTask.map((t) => t.task));
  const sums = new Map<string, { attempts: number; input: number; output: number; cost: number; costed: number }>();
  if (connectionId) {
    for (const { row, priced } of summaries.pricedGroups(connectionId, fromMs, 'hour')) {
      if (!wanted.has(row.task)) continue;
      let s = sums.get(row.task);
      if (!s) sums.set(row.task, (s = { attempts: 0, input: 0, output: 0, cost: 0, costed: 0 }));
      s.attempts += priced.attempts;
      s.input += priced.inputTokens;
      s.output += priced.outputTokens;
      if (priced.costUsd !== null) {
        s.cost += priced.costUsd;
        s.costed += priced.attempts - priced.unpricedAttempts;
      }
    }
  }
  const tasks: TaskEstimate[] = jobsByTask.map(({ task, jobs }) => {
    const s = sums.get(task);
    if (!s || s.attempts === 0) return { task, jobs, basedOnAttempts: 0, inputTokens: null, outputTokens: null, costUsd: null };
    return {
      task,
      jobs,
      basedOnAttempts: s.attempts,
      inputTokens: Math.round((s.input / s.attempts) * jobs),
      outputTokens: Math.round((s.output / s.attempts) * jobs),
      costUsd: s.costed > 0 ? (s.cost / s.costed) * jobs : null,
    };
  });
  const known = tasks.filter((t) => t.basedOnAttempts > 0);
  const costs = known.filter((t) => t.costUsd !== null);
  return {
    tasks,
    inputTokens: known.reduce((n, t) => n + (t.inputTokens ?? 0), 0),
    outputTokens: known.reduce((n, t) => n + (t.outputTokens ?? 0), 0),
    costUsd: costs.length ? costs.reduce((n, t) => n + (t.costUsd ?? 0), 0) : null,
    jobsWithoutHistory: tasks.filter((t) => t.basedOnAttempts === 0).reduce((n, t) => n + t.jobs, 0),
    estimate: true,
  };
}

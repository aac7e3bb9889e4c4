import type { OverviewSnapshot } from '../shared/model/overview.ts';

export interface FailureAlert {
  title: string;
  body: string;
  /** Where a click on the alert takes the operator. */
  path: string;
  params: Record<string, string>;
}

/**
 * Decides when newly failed-for-good jobs deserve a desktop notification: when the permanently failed count rises,
 * at most once per `quietMs`, naming the task that grew most so the click opens the right list.
 * Pure, so it is tested under plain Node.
 */
export function createFailureAlerts(quietMs = 60_000) {
  let previous: OverviewSnapshot | null = null;
  let lastAlertAt = -Infinity;
  return (snapshot: OverviewSnapshot, now = Date.now()): FailureAlert | null => {
    const before = previous;
    previous = snapshot;
    if (!before) return null;
    const grown = snapshot.totals.failed - before.totals.failed;
    if (grown <= 0 || now - lastAlertAt < quietMs) return null;
    lastAlertAt = now;
    const failedBefore = new Map(before.byTask.map((t) => [t.task, t.failed]));
    const top = snapshot.byTask
      .map((t) => ({ task: t.task, grown: t.failed - (failedBefore.get(t.task) ?? 0) }))
      .sort((a, b) => b.grown - a.grown)[0];
    const params: Record<string, string> = { state: 'failed' };
    if (top && top.grown === grown) params.task = top.task;
    return {
      title: `${grown} job${grown === 1 ? '' : 's'} failed for good`,
      body: params.task ? `${params.task}: out of attempts. Click to review and retry.` : 'Out of attempts. Click to review and retry.',
      path: 'jobs',
      params,
    };
  };
}

import type { HistorySummary } from '../../shared/model/history.ts';
import type { PauseList } from '../../shared/model/control.ts';
import type { FailedGroup, StuckReport } from '../../shared/model/stuck.ts';
import type { DueFigures, OverviewSnapshot, TroubleItem, TroubleSummary } from '../../shared/model/overview.ts';
import { holdsStuckJobs } from '../stuck/pools.ts';

/** Where the trouble comes from: the domains that already know it (the composition root wires each). */
export interface TroubleSources {
  /** The Stuck view's report (stuck jobs, pools and their liveness, blocked queues, tasks nobody runs). */
  stuck(): Promise<StuckReport>;
  /** Paused tasks and queues. */
  pauses(): Promise<PauseList>;
  /** The failure history of the last hour (per-minute buckets). */
  failures(): Promise<HistorySummary>;
}

/** A spike: over the last SPIKE_MS, at least SPIKE_MIN failed attempts, SPIKE_SHARE of the attempts, and twice the rate before. */
export const SPIKE_MS = 15 * 60_000;
export const SPIKE_MIN = 5;
export const SPIKE_SHARE = 0.2;
/**
 * A spike on show stays until the share falls below this: a steady mix near SPIKE_SHARE would otherwise make the card
 * come and go from one read to the next.
 */
export const SPIKE_CLEAR_SHARE = 0.15;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

export interface FailureSpike {
  failures: number;
  attempts: number;
  /** Failed attempts in the span before, scaled to SPIKE_MS. */
  before: number;
  /** Whether the history holds any of the span before (see failureSpike). */
  comparable: boolean;
}

/** The failed attempts of the last 15 minutes when they spike (see SPIKE_*), else null. `showing`: one is on show. */
export function failureSpike(summary: HistorySummary, showing = false): FailureSpike | null {
  const to = Date.parse(summary.to);
  let failures = 0;
  let attempts = 0;
  let earlier = 0;
  let earlierMs = 0;
  // The rate before is taken over the span the history holds: a console that began recording minutes ago (or saw
  // nothing earlier in the window) has no span before, rather than a quiet one diluting the rate.
  const recordedFrom = summary.firstAt === null ? Infinity : Date.parse(summary.firstAt);
  for (const b of summary.buckets) {
    if (b.t >= to - SPIKE_MS) {
      failures += b.failures;
      attempts += b.failures + b.successes;
    } else if (b.t + summary.bucketMs > recordedFrom) {
      earlier += b.failures;
      // Only the part of the first bucket after recording began: a whole minute for a few seconds' record would
      // dilute the rate before and make a steady rate look like a spike.
      earlierMs += b.t + summary.bucketMs - Math.max(b.t, recordedFrom);
    }
  }
  // Less than a bucket of record before is no rate: one failure in its last seconds would scale to thousands.
  if (earlierMs < summary.bucketMs) earlierMs = 0;
  // The rate before, scaled to the same span (none before: any burst counts).
  const before = earlierMs ? (earlier * SPIKE_MS) / earlierMs : 0;
  const share = showing ? SPIKE_CLEAR_SHARE : SPIKE_SHARE;
  if (failures < SPIKE_MIN || failures < attempts * share || failures <= 2 * before) return null;
  return { failures, attempts, before: Math.round(before), comparable: earlierMs > 0 };
}

/**
 * "33% of attempts failed (about 2 in the 15 min before)". With no record of the span before (the console began
 * recording within it), it says so: "none recorded" read as "none failed" and made steady failures look like a spike.
 */
export function spikeDetail(spike: FailureSpike): string {
  const share = Math.round((spike.failures / Math.max(1, spike.attempts)) * 100);
  const before = spike.comparable
    ? `about ${spike.before} in the 15 min before`
    : "Jobdeck's record begins within these 15 min: no rate before to compare with";
  return `${share}% of attempts failed (${before}).`;
}

/** Jobs that failed within this span are news (a warning); older ones wait for a decision (info). */
export const FRESH_FAILURE_MS = 60 * 60_000;

/**
 * Permanently failed jobs: their work never got its output, and graphile-worker keeps them until retried or
 * removed. Listed whenever there are any, so "nothing needs attention" is never said over them; a warning while
 * some failed within the hour, else info. How many a retry is likely to help comes from their error types.
 */
export function outOfAttemptsItem(groups: FailedGroup[], now: number): TroubleItem | null {
  let count = 0;
  let transient = 0;
  let newest = 0;
  const byTask = new Map<string, number>();
  for (const g of groups) {
    count += g.count;
    if (g.verdict === 'transient') transient += g.count;
    newest = Math.max(newest, Date.parse(g.lastFailedAt));
    byTask.set(g.task, (byTask.get(g.task) ?? 0) + g.count);
  }
  if (count === 0) return null;
  const tasks = [...byTask].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const named = tasks.slice(0, 3).map(([task, n]) => `${task} ${n.toLocaleString('en-US')}`);
  if (tasks.length > 3) named.push(plural(tasks.length - 3, 'other task'));
  const all = count === 1 ? 'it' : 'all of them';
  const helps = transient
    ? ` A retry is likely to help ${transient === count ? all : `${transient.toLocaleString('en-US')} of them`} (by their error types).`
    : '';
  return {
    kind: 'out-of-attempts',
    subject: null,
    count,
    title: `${plural(count, 'job')} out of attempts`,
    detail: `Their work never got its output: ${named.join(', ')}.${helps} Open them to retry or cancel; the Stuck view groups them by error type.`,
    severity: now - newest < FRESH_FAILURE_MS ? 'warning' : 'info',
    link: { path: 'jobs', params: { state: 'failed' } },
  };
}

/** The trouble item of a spike: a warning when it is one against the rate before, information when none is known. */
export function spikeItem(spike: FailureSpike): TroubleItem {
  return {
    kind: 'failure-spike',
    subject: null,
    count: spike.failures,
    title: `${plural(spike.failures, 'failed attempt')} in 15 min`,
    detail: spikeDetail(spike),
    severity: spike.comparable ? 'warning' : 'info',
    link: { path: 'failures', params: { window: '1h' } },
  };
}

/** Sets each row's `heldByGone` from its running jobs per pool: Running then counts only live workers' jobs. */
export function applyGonePools(snapshot: OverviewSnapshot, gone: ReadonlySet<string>): OverviewSnapshot {
  const held = <T extends DueFigures>(row: T): T => {
    let n = 0;
    for (const [pool, jobs] of Object.entries(row.heldBy ?? {})) if (gone.has(pool)) n += jobs;
    return { ...row, heldByGone: n };
  };
  return { ...snapshot, totals: held(snapshot.totals), byTask: snapshot.byTask.map(held), byQueue: snapshot.byQueue.map(held) };
}

async function read<T>(what: string, errors: string[], get: () => Promise<T>): Promise<T | null> {
  try {
    return await get();
  } catch (error) {
    errors.push(`${what}: ${(error as Error).message}`);
    return null;
  }
}

/**
 * What needs attention now, in the order an operator should look: jobs stuck or held by gone workers, tasks
 * with due jobs and no worker, blocked named queues, a failure spike, jobs out of attempts, paused tasks and
 * queues. Each item has its count and the list behind it. `snapshot` gives the counts of jobs held per pool (the
 * same as Running's split); `previous`, the last summary of the same connection, keeps a spike on show steady.
 */
export async function readTrouble(
  sources: TroubleSources,
  snapshot: OverviewSnapshot | null,
  previous: TroubleSummary | null = null,
): Promise<TroubleSummary> {
  const errors: string[] = [];
  // The summary is as old as its first read: a read begun before a change may miss it, whenever it ends.
  const readFrom = new Date().toISOString();
  const [stuck, pauses, failures] = await Promise.all([
    read('stuck jobs', errors, () => sources.stuck()),
    read('pauses', errors, () => sources.pauses()),
    read('failure history', errors, () => sources.failures()),
  ]);
  const at = stuck?.at ?? new Date().toISOString();
  // Due jobs end before the time of the list: the Jobs view's run_at bound is exclusive.
  const dueBefore = new Date(Date.parse(at) + 1000).toISOString();
  const items: TroubleItem[] = [];
  const gonePools = stuck ? stuck.pools.filter(holdsStuckJobs) : [];
  const gone = new Set(gonePools.map((p) => p.poolId));
  let stuckBadge = 0;

  if (stuck && stuck.stuckTotal > 0) {
    stuckBadge += stuck.stuckTotal;
    items.push({
      kind: 'stuck',
      subject: null,
      count: stuck.stuckTotal,
      title: `${plural(stuck.stuckTotal, 'job')} stuck`,
      detail: 'Locked longer than the task’s threshold, or held by a worker that is gone.',
      severity: 'critical',
      link: { path: 'stuck' },
    });
  }
  const heldByGone = snapshot ? applyGonePools(snapshot, gone).totals.heldByGone! : gonePools.reduce((n, p) => n + p.lockedJobs, 0);
  if (heldByGone > 0) {
    items.push({
      kind: 'gone',
      subject: null,
      count: heldByGone,
      title: `${plural(heldByGone, 'job')} held by ${gonePools.length === 1 ? 'a gone worker' : `${gonePools.length} gone workers`}`,
      detail: 'Not counted as Running: no live worker runs them. Unlock them in the Stuck view to run them again.',
      severity: 'critical',
      link: { path: 'stuck' },
    });
  }
  for (const d of stuck?.due ?? []) {
    if (d.verdict !== 'no-worker') continue;
    stuckBadge += d.due;
    items.push({
      kind: 'no-worker',
      subject: d.task,
      count: d.due,
      title: `${plural(d.due, 'due job')} of ${d.task}, no worker`,
      detail: 'None of its jobs runs and the oldest due one keeps waiting: probably no running worker supports this task.',
      severity: 'critical',
      link: { path: 'jobs', params: { task: d.task, state: 'ready,retrying', runAtTo: dueBefore } },
    });
  }
  for (const q of stuck?.blockedQueues ?? []) {
    stuckBadge += q.waiting;
    items.push({
      kind: 'blocked-queue',
      subject: q.queue,
      count: q.waiting,
      title: `Queue ${q.queue} blocked, ${plural(q.waiting, 'job')} waiting`,
      detail: q.lockedBy ? `Its lock is held by ${q.lockedBy}, which is gone or has held it too long.` : 'Its lock is held with no holder.',
      severity: 'warning',
      link: { path: 'jobs', params: { queue: q.queue } },
    });
  }
  const spikeShown = previous?.items.some((item) => item.kind === 'failure-spike') ?? false;
  const spike = failures ? failureSpike(failures, spikeShown) : null;
  if (spike) items.push(spikeItem(spike));
  const outOfAttempts = stuck ? outOfAttemptsItem(stuck.failed, Date.parse(at)) : null;
  if (outOfAttempts) items.push(outOfAttempts);
  for (const p of pauses?.pauses ?? []) {
    items.push({
      kind: 'paused',
      subject: p.name,
      count: p.parkedJobs,
      title: `${p.kind === 'task' ? 'Task' : 'Queue'} ${p.name} paused, ${plural(p.parkedJobs, 'job')} held back`,
      detail: p.until ? `Until ${p.until}.` : 'Until resumed.',
      severity: 'info',
      link: { path: 'jobs', params: p.kind === 'task' ? { task: p.name } : { queue: p.name } },
    });
  }
  return {
    at: readFrom,
    items,
    stuckBadge,
    // A real spike only: without a rate before (a console that began recording minutes ago), steady failures show
    // as information, not as a badge that would be there at every start.
    failuresBadge: spike?.comparable ? spike.failures : 0,
    gonePools: [...gone],
    errors,
  };
}

import type { Session } from '../session.ts';
import type { DueGroup, FailedGroup, RecoveryReport, StuckReport, StuckThresholds } from '../../shared/model/stuck.ts';
import type { HostedRunner } from '../context.ts';
import { BUILTIN_ERROR_TYPES, classifyError, typeVerdictKind } from '../../shared/errors/index.ts';
import type { FailedHeadRow } from './scan-query.ts';
import type { StuckReads } from './table-reads.ts';
import { holdsStuckJobs, lockingPool } from './pools.ts';
import { thresholdMs } from './thresholds-repo.ts';
import type { PoolLivenessSource } from '../workers/pool-liveness.ts';
import { liveReportingWorkers } from '../workers/live-reporting.ts';

/** What the report reads besides the database. */
export interface ReportContext {
  liveness: PoolLivenessSource;
  hosted: HostedRunner;
  thresholds: (connectionId: string) => StuckThresholds;
  lastRecovery: () => RecoveryReport | null;
  /** The reads of the job tables, reused while they are unchanged. */
  reads: StuckReads;
}

/** Due jobs of a task nobody runs for this long: probably no running worker supports the task. */
export const UNSERVED_AFTER_MS = 60_000;
/** Due jobs waiting this long while workers do run the task: an overdue backlog. */
export const OVERDUE_AFTER_MS = 10 * 60_000;

const SAMPLE_CHARS = 300;

export interface ReportOptions {
  /**
   * As of a count begun after the tables last changed (the Stuck view, the alerts); otherwise as of the monitor's
   * last count (the trouble summary, every few seconds: while a million jobs change, it would count for itself).
   */
  fresh: boolean;
  /** With the first jobs waiting behind each blocked queue (the Stuck view shows them; a pass when they change). */
  samples: boolean;
}

/** Everything the stuck view shows, read in one go. */
export async function stuckReport(ctx: ReportContext, session: Session, limit: number, options: ReportOptions): Promise<StuckReport> {
  const thresholds = ctx.thresholds(session.profile.id);
  const db = session.pool;
  const reads = await ctx.reads.read(session, options.fresh);
  const { jobs, failed, queues, due } = reads;
  // Every pool holding a lock, judged by the one liveness source; the count already saw each pool's newest lock.
  const ages = new Map(reads.pools.map((p) => [p.pool_id, p.newest_ms]));
  const verdicts = await ctx.liveness.judge(db, session.profile.id, [...ages.keys()], ages);
  const pools = reads.pools.map((row) => lockingPool(row, verdicts.get(row.pool_id)!));
  const gone = new Set(pools.filter(holdsStuckJobs).map((p) => p.poolId));

  // Stuck: locked longer than the task's threshold, or held by a pool that is gone or stopped (whatever the age):
  // a worker killed outright shows here once its heartbeat is three intervals late, not after the threshold.
  const stuck = jobs.filter((j) => j.lockedMs > thresholdMs(thresholds, j.task) || gone.has(j.lockedBy));
  const stuckJobs = stuck.slice(0, limit).map((j) => ({
    id: j.id,
    task: j.task,
    queue: j.queue,
    lockedBy: j.lockedBy,
    lockedAt: new Date(j.lockedAt).toISOString(),
    lockedForMs: Math.round(j.lockedMs),
    thresholdMs: thresholdMs(thresholds, j.task),
    attempts: j.attempts,
    maxAttempts: j.maxAttempts,
  }));

  // A queue row held longer than the default threshold, or by a gone pool, blocks the jobs behind it.
  const blocked = queues.filter(
    (q) => q.locked_ms > thresholds.defaultMinutes * 60_000 || (q.locked_by !== null && gone.has(q.locked_by)) || q.locked_by === null,
  );
  const samples = options.samples ? await reads.firstWaiting(blocked) : new Map<string, never[]>();
  const blockedQueues = blocked.map((q) => ({
    queue: q.queue,
    lockedBy: q.locked_by,
    lockedAt: q.locked_at.toISOString(),
    lockedForMs: Math.round(q.locked_ms),
    waiting: q.waiting,
    sample: samples.get(q.queue) ?? [],
  }));

  const host = ctx.hosted.host();
  const hosted = host ? new Set(host.tasks) : null;
  // A job held by a pool that is gone runs nowhere: it must not hide that nobody serves the jobs due behind it.
  const runningByTask = new Map<string, number>();
  for (const j of jobs) if (!gone.has(j.lockedBy)) runningByTask.set(j.task, (runningByTask.get(j.task) ?? 0) + 1);
  const dueGroups: DueGroup[] = [];
  // Tasks a live reporting worker says it runs (read only when some task would otherwise look unserved): such a
  // task is served even in the moment none of its jobs runs, between two jobs of a named queue say, which flagged
  // it as having no worker every few seconds while a live worker took its jobs one by one.
  let reported: Promise<Set<string>> | null = null;
  for (const d of due) {
    const hostedSupports = hosted ? hosted.has(d.task) : null;
    const running = runningByTask.get(d.task) ?? 0;
    const unserved =
      running === 0 &&
      d.waiting_ms > UNSERVED_AFTER_MS &&
      hostedSupports !== true &&
      !(await (reported ??= tasksOfLiveReportingWorkers(db))).has(d.task);
    if (!unserved && d.waiting_ms <= OVERDUE_AFTER_MS) continue;
    dueGroups.push({
      task: d.task,
      verdict: unserved ? 'no-worker' : 'overdue',
      due: d.due,
      running,
      oldestRunAt: d.oldest_at.toISOString(),
      waitingMs: Math.round(d.waiting_ms),
      hostedSupports,
    });
  }

  return {
    at: new Date().toISOString(),
    thresholds,
    pools,
    stuckJobs,
    stuckTotal: stuck.length,
    blockedQueues,
    due: dueGroups,
    failed: groupFailed(failed),
    lastRecovery: ctx.lastRecovery(),
  };
}

/** The tasks live companion workers list as theirs (none when the companion's schema is absent or unreadable). */
async function tasksOfLiveReportingWorkers(db: Session['pool']): Promise<Set<string>> {
  try {
    return new Set((await liveReportingWorkers(db))?.flatMap((w) => w.task_identifiers));
  } catch {
    return new Set(); // not readable by this role: judged from the jobs alone, as before
  }
}

/** Merges message heads into (task, error type) groups, biggest first. */
function groupFailed(rows: FailedHeadRow[]): FailedGroup[] {
  const groups = new Map<string, FailedGroup>();
  for (const r of rows) {
    const errorType = classifyError(r.head);
    const key = `${r.task}\u0000${errorType}`;
    const newest = r.newest.toISOString();
    const g = groups.get(key);
    if (!g) {
      groups.set(key, {
        task: r.task,
        errorType,
        verdict: typeVerdictKind(BUILTIN_ERROR_TYPES.find((t) => t.type === errorType)?.verdict ?? 'unknown'),
        count: r.n,
        sampleError: (r.head ?? '').slice(0, SAMPLE_CHARS),
        lastFailedAt: newest,
      });
    } else {
      g.count += r.n;
      if (newest > g.lastFailedAt) g.lastFailedAt = newest;
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.task.localeCompare(b.task));
}

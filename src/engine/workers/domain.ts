import { byAttention } from './order.ts';
import type { RunningJob, WorkerInfo, WorkersList } from '../../shared/model/workers.ts';
import type { HostedRecording } from '../../shared/model/history.ts';
import type { Domain } from '../domain.ts';
import type { HostedRunner, Sessions } from '../context.ts';
import type { OwnPool } from '../runner/own-pools.ts';
import { companionInstalled, companionWorkers, heldJobs, type HeldJobRow } from './queries.ts';
import { companionLiveness } from './liveness.ts';
import type { PoolLivenessSource } from './pool-liveness.ts';

export interface WorkersContext {
  sessions: Sessions;
  hosted: HostedRunner;
  /** Pools seen only in locks are judged by the one liveness source (this data folder's past runners are known). */
  liveness: PoolLivenessSource;
  /** This console's own runner: its concurrency and its pools' records. */
  hostedConcurrency: () => number;
  /** Whether the hosted runner's companion records its attempts, and why not. */
  hostedRecording?: () => HostedRecording | null;
  ownPools: () => Map<string, OwnPool>;
}

const toRunning = (j: HeldJobRow): RunningJob => ({ jobId: j.id, task: j.task, queue: j.queue, since: j.locked_at.toISOString() });

/** Workers: every process that takes jobs, exactly for those that report, inferred from locks for the others. */
export function createWorkers(ctx: WorkersContext): Domain<'workers.list'> {
  const list = async (): Promise<WorkersList> => {
    const session = ctx.sessions.require();
    const db = session.pool;
    const installed = await companionInstalled(db);
    const byPool = new Map<string, RunningJob[]>();
    const newest = new Map<string, number>();
    for (const job of await heldJobs(db)) {
      const running = byPool.get(job.locked_by) ?? [];
      running.push(toRunning(job));
      byPool.set(job.locked_by, running);
      newest.set(job.locked_by, Math.min(newest.get(job.locked_by) ?? Infinity, job.locked_ms));
    }
    const reporting = installed ? await companionWorkers(db, [...byPool.keys()]) : [];
    const workers: WorkerInfo[] = [];
    const hostPool = ctx.hosted.poolId();
    const host = ctx.hosted.host();
    if (hostPool && host) {
      // The hosted runner reports through its companion like any worker: its row says what it says of the others;
      // it is still this console's (alive while it runs, whatever its heartbeat), and says so when it cannot write.
      const row = reporting.find((r) => r.pool_id === hostPool);
      const own = ctx.ownPools().get(hostPool);
      const recording = ctx.hostedRecording?.() ?? null;
      workers.push({
        poolId: hostPool,
        source: 'hosted',
        liveness: 'alive',
        reason:
          recording?.state === 'not_recording'
            ? `This console's running runner. ${recording.message}`
            : row
              ? "This console's running runner (reports through the companion)"
              : "This console's running runner",
        host: row?.host ?? null,
        pid: row?.pid ?? process.pid,
        graphileWorkerVersion: row?.graphile_worker_version ?? null,
        concurrency: row?.concurrency ?? ctx.hostedConcurrency(),
        tasks: row?.task_identifiers ?? host.tasks,
        startedAt: row ? row.started_at.toISOString() : own ? new Date(own.startedAt).toISOString() : null,
        lastHeartbeatAt: row?.last_heartbeat_at.toISOString() ?? null,
        stoppedAt: null,
        running: byPool.get(hostPool) ?? [],
        recording,
      });
    }
    const ownPools = ctx.ownPools();
    for (const row of reporting) {
      if (row.pool_id === hostPool) continue;
      // This console's earlier runner pools report through the same companion: said, so they do not read as strangers.
      const earlier = ownPools.has(row.pool_id);
      const judged = companionLiveness(row);
      workers.push({
        poolId: row.pool_id,
        source: 'companion',
        ...judged,
        ...(earlier ? { earlierRunner: true, reason: `An earlier runner of this console: ${judged.reason}` } : {}),
        host: row.host,
        pid: row.pid,
        graphileWorkerVersion: row.graphile_worker_version,
        concurrency: row.concurrency,
        tasks: row.task_identifiers,
        startedAt: row.started_at.toISOString(),
        lastHeartbeatAt: row.last_heartbeat_at.toISOString(),
        stoppedAt: row.stopped_at?.toISOString() ?? null,
        running: byPool.get(row.pool_id) ?? [],
      });
    }
    const known = new Set(workers.map((w) => w.poolId));
    // Pools seen only in locks, judged by the one liveness source: this data folder's earlier runners are known,
    // and a 0.16 worker's id (its locked_by) is known through the companion row that lists it.
    const watched = [...byPool.keys()].filter((id) => !known.has(id));
    const verdicts = await ctx.liveness.judge(db, session.profile.id, watched, newest);
    for (const poolId of watched) {
      const v = verdicts.get(poolId)!;
      workers.push({
        poolId,
        source: 'watched',
        liveness: v.liveness,
        reason:
          v.knownBy === 'runner'
            ? `An earlier runner of this Jobdeck: ${v.reason}`
            : v.knownBy === 'companion'
              ? `A worker of a pool that reports through the companion: ${v.reason}`
              : `No companion in this worker: seen only through the jobs it holds (${v.inferred === 'probably-gone' ? 'probably gone' : 'probably alive'}, judged from lock age)`,
        host: v.host,
        pid: v.pid,
        graphileWorkerVersion: null,
        concurrency: null,
        tasks: [],
        startedAt: null,
        lastHeartbeatAt: v.lastHeartbeatAt,
        stoppedAt: v.stoppedAt,
        running: byPool.get(poolId) ?? [],
      });
    }
    return {
      at: new Date().toISOString(),
      companionInstalled: installed,
      workers: workers.sort(byAttention),
      alive: workers.filter((w) => w.liveness === 'alive').length,
    };
  };
  return { name: 'workers', handlers: { 'workers.list': list } };
}

import type { RunningJob, WorkerInfo, WorkersList } from '../../shared/model/workers.ts';
import type { Domain } from '../domain.ts';
import type { HostedRunner, Sessions } from '../context.ts';
import type { OwnPool } from '../runner/own-pools.ts';
import { companionInstalled, companionWorkers, heldJobs, type HeldJobRow } from './queries.ts';
import { companionLiveness } from './liveness.ts';

export interface WorkersContext {
  sessions: Sessions;
  hosted: HostedRunner;
  /** This console's own runner: its concurrency and its pools' records. */
  hostedConcurrency: () => number;
  ownPools: () => Map<string, OwnPool>;
}

const toRunning = (j: HeldJobRow): RunningJob => ({ jobId: j.id, task: j.task, queue: j.queue, since: j.locked_at.toISOString() });

/** Workers: every process that takes jobs, exactly for those that report, inferred from locks for the others. */
export function createWorkers(ctx: WorkersContext): Domain<'workers.list'> {
  const list = async (): Promise<WorkersList> => {
    const db = ctx.sessions.require().pool;
    const installed = await companionInstalled(db);
    const byPool = new Map<string, RunningJob[]>();
    for (const job of await heldJobs(db)) {
      const running = byPool.get(job.locked_by) ?? [];
      running.push(toRunning(job));
      byPool.set(job.locked_by, running);
    }
    const reporting = installed ? await companionWorkers(db, [...byPool.keys()]) : [];
    const workers: WorkerInfo[] = [];
    const hostPool = ctx.hosted.poolId();
    const host = ctx.hosted.host();
    if (hostPool && host) {
      const own = ctx.ownPools().get(hostPool);
      workers.push({
        poolId: hostPool,
        source: 'hosted',
        liveness: 'alive',
        reason: "This console's running runner",
        host: null,
        pid: process.pid,
        graphileWorkerVersion: null,
        concurrency: ctx.hostedConcurrency(),
        tasks: host.tasks,
        startedAt: own ? new Date(own.startedAt).toISOString() : null,
        lastHeartbeatAt: null,
        stoppedAt: null,
        running: byPool.get(hostPool) ?? [],
      });
    }
    for (const row of reporting) {
      if (row.pool_id === hostPool) continue;
      workers.push({
        poolId: row.pool_id,
        source: 'companion',
        ...companionLiveness(row),
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
    for (const [poolId, running] of byPool) {
      if (known.has(poolId)) continue;
      workers.push({
        poolId,
        source: 'watched',
        liveness: 'unknown',
        reason: 'No companion in this worker: seen only through the jobs it holds',
        host: null,
        pid: null,
        graphileWorkerVersion: null,
        concurrency: null,
        tasks: [],
        startedAt: null,
        lastHeartbeatAt: null,
        stoppedAt: null,
        running,
      });
    }
    return {
      at: new Date().toISOString(),
      companionInstalled: installed,
      workers,
      alive: workers.filter((w) => w.liveness === 'alive').length,
    };
  };
  return { name: 'workers', handlers: { 'workers.list': list } };
}

import type { LockingPool, StuckJob } from '../../../../shared/model/stuck.ts';
import { formatAge, formatCount, shortPoolId } from '../../format.ts';
import { LivenessBadge, poolReason } from './LivenessBadge.tsx';
import { cancelTarget, retryTarget, unlockPools } from './stuck-actions.ts';
import type { Act, Ask } from './confirm.ts';

const JOBS_PER_POOL = 20;

interface Props {
  pools: LockingPool[];
  jobs: StuckJob[];
  total: number;
  act: Act;
  ask: Ask;
}

/** Jobs locked too long, grouped by the pool holding them, each pool with unlock / unlock and retry / cancel. */
export function PoolsPanel({ pools, jobs, total, act, ask }: Props) {
  const byPool = new Map<string, StuckJob[]>();
  for (const j of jobs) byPool.set(j.lockedBy, [...(byPool.get(j.lockedBy) ?? []), j]);
  const shown = pools.filter((p) => byPool.has(p.poolId) || (p.liveness !== 'alive' && p.liveness !== 'probably-alive'));
  return (
    <section className="panel" data-testid="stuck-pools">
      <div className="panel-head">
        <h2>Locked too long</h2>
        <span className="panel-note">
          {formatCount(total)} stuck {total === 1 ? 'job' : 'jobs'} · locked longer than their task's threshold, or held by a pool that is gone.
          graphile-worker itself frees them only after 4 hours.
        </span>
      </div>
      {shown.length === 0 && <div className="table-empty">Nothing is locked too long.</div>}
      {shown.map((pool) => (
        <PoolGroup key={pool.poolId} pool={pool} jobs={byPool.get(pool.poolId) ?? []} act={act} ask={ask} />
      ))}
    </section>
  );
}

function PoolGroup({ pool, jobs, act, ask }: { pool: LockingPool; jobs: StuckJob[]; act: Act; ask: Ask }) {
  const target = { kind: 'pool', poolId: pool.poolId } as const;
  const alive = pool.liveness === 'alive';
  const judgedAlive = pool.liveness === 'probably-alive';
  const unlock = (retry: boolean) => {
    const run = () => (retry ? retryTarget(target, { force: judgedAlive }) : unlockPools([pool.poolId], judgedAlive));
    if (!judgedAlive) return void act(run);
    ask({
      title: `Unlock pool ${shortPoolId(pool.poolId)}?`,
      body: `${poolReason(pool)}. If it still runs, its jobs could run twice at the same time.`,
      confirmLabel: retry ? 'Unlock and retry' : 'Unlock anyway',
      danger: true,
      run,
    });
  };
  return (
    <div className="stuck-group" data-testid={`stuck-pool-${pool.poolId}`}>
      <div className="stuck-group-head">
        <span className="mono" title={pool.poolId}>{shortPoolId(pool.poolId)}</span>
        <LivenessBadge pool={pool} />
        <span className="dim stuck-reason">{poolReason(pool)}</span>
        <span className="stuck-counts">
          {formatCount(pool.lockedJobs)} {pool.lockedJobs === 1 ? 'job' : 'jobs'} · {formatCount(pool.lockedQueues)}{' '}
          {pool.lockedQueues === 1 ? 'queue' : 'queues'} held
        </span>
        <div className="stuck-actions">
          <button className="btn" disabled={alive} onClick={() => unlock(false)} data-testid={`unlock-pool-${pool.poolId}`}
            title={alive ? 'This pool is running: stop it rather than unlock its jobs' : 'force_unlock_workers: frees its jobs and queues'}>
            Unlock
          </button>
          <button className="btn" disabled={alive} onClick={() => unlock(true)} data-testid={`unlock-retry-pool-${pool.poolId}`}>
            Unlock and retry now
          </button>
          <button className="btn btn-danger-text" disabled={alive} data-testid={`cancel-pool-${pool.poolId}`}
            onClick={() => ask({ title: `Cancel the ${pool.lockedJobs} jobs of pool ${shortPoolId(pool.poolId)}?`, body: 'They are removed from the queue and kept as cancelled in Jobdeck\u2019s history.', confirmLabel: 'Cancel jobs', danger: true, run: () => cancelTarget(target, judgedAlive) })}>
            Cancel
          </button>
        </div>
      </div>
      {jobs.length > 0 && (
        <table className="stuck-table">
          <thead>
            <tr><th>Job</th><th>Task</th><th>Queue</th><th className="num">Locked for</th><th className="num">Threshold</th><th className="num">Attempt</th></tr>
          </thead>
          <tbody>
            {jobs.slice(0, JOBS_PER_POOL).map((j) => (
              <tr key={j.id} data-testid={`stuck-job-${j.id}`}>
                <td className="mono">{j.id}</td>
                <td>{j.task}</td>
                <td className="dim">{j.queue ?? '—'}</td>
                <td className={j.lockedForMs > j.thresholdMs ? 'num warn-text' : 'num'}>{formatAge(j.lockedForMs)}</td>
                <td className="num dim">{formatAge(j.thresholdMs)}</td>
                <td className="num">{j.attempts} / {j.maxAttempts}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {jobs.length > JOBS_PER_POOL && <div className="stuck-more dim">and {formatCount(jobs.length - JOBS_PER_POOL)} more</div>}
    </div>
  );
}

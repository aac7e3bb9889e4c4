import { href } from '../../router.ts';
import type { LockingPool, StuckJob } from '../../../../shared/model/stuck.ts';
import { countOf, formatAge, formatCount, shortPoolId } from '../../format.ts';
import { LivenessBadge, poolReason } from './LivenessBadge.tsx';
import { CANCEL_QUESTION } from './stuck-actions.ts';
import type { Act, Ask, Unlock } from './confirm.ts';

const JOBS_PER_POOL = 20;

interface Props {
  pools: LockingPool[];
  jobs: StuckJob[];
  total: number;
  act: Act;
  ask: Ask;
  unlock: Unlock;
}

/** Jobs locked too long, grouped by the pool holding them, each pool with unlock / unlock and retry / cancel. */
export function PoolsPanel({ pools, jobs, total, act, ask, unlock }: Props) {
  const byPool = new Map<string, StuckJob[]>();
  for (const j of jobs) byPool.set(j.lockedBy, [...(byPool.get(j.lockedBy) ?? []), j]);
  const shown = pools.filter((p) => byPool.has(p.poolId) || (p.liveness !== 'alive' && p.liveness !== 'probably-alive'));
  return (
    <section className="panel" data-testid="stuck-pools">
      <div className="panel-head">
        <h2>Locked too long</h2>
        <span className="panel-note">
          {formatCount(total)} stuck {total === 1 ? 'job' : 'jobs'} · locked longer than their task's threshold, or held by a pool that is
          gone. graphile-worker itself frees them only after 4 hours.
        </span>
      </div>
      {shown.length === 0 && <div className="table-empty">Nothing is locked too long.</div>}
      {shown.map((pool) => (
        <PoolGroup key={pool.poolId} pool={pool} jobs={byPool.get(pool.poolId) ?? []} act={act} ask={ask} unlock={unlock} />
      ))}
    </section>
  );
}

function PoolGroup({ pool, jobs, act, ask, unlock }: { pool: LockingPool; jobs: StuckJob[]; act: Act; ask: Ask; unlock: Unlock }) {
  const target = { kind: 'pool', poolId: pool.poolId } as const;
  const alive = pool.liveness === 'alive';
  const judgedAlive = pool.liveness === 'probably-alive';
  // Judged from lock age alone (the pool does not report): gone or not, the operator says so before its jobs are
  // freed, as the job page asks. A pool known gone (its heartbeat, or this Jobdeck's own) is unlocked at once.
  const judged = judgedAlive || pool.liveness === 'probably-gone';
  const subject = `the ${countOf(pool.lockedJobs, 'job')} of pool ${shortPoolId(pool.poolId)}`;
  const mayRun = `${poolReason(pool)}. ${judgedAlive ? '' : 'Judged from its locks’ age alone: it does not report. '}If it still runs, its jobs could run twice at the same time.`;
  const unlockOnly = () => {
    if (!judged) return unlock([pool.poolId], false);
    ask({
      title: `Unlock pool ${shortPoolId(pool.poolId)}?`,
      body: mayRun,
      confirmLabel: judgedAlive ? 'Unlock anyway' : 'Unlock',
      danger: true,
      run: () => unlock([pool.poolId], judgedAlive),
    });
  };
  const unlockAndRetry = () =>
    act({
      kind: 'retry',
      target,
      force: judgedAlive,
      label: 'Unlock and retry now',
      subject,
      ...(judged ? { question: { body: mayRun, confirmLabel: 'Unlock and retry' } } : {}),
    });
  const cancel = () =>
    act({
      kind: 'cancel',
      target,
      force: judgedAlive,
      label: 'Cancel',
      subject,
      question: judgedAlive ? { body: `${mayRun} ${CANCEL_QUESTION.body}`, confirmLabel: CANCEL_QUESTION.confirmLabel } : CANCEL_QUESTION,
    });
  return (
    <div className="stuck-group" data-testid={`stuck-pool-${pool.poolId}`}>
      <div className="stuck-group-head">
        <span className="mono" title={pool.poolId}>
          {shortPoolId(pool.poolId)}
        </span>
        <LivenessBadge pool={pool} />
        <span className="dim stuck-reason">{poolReason(pool)}</span>
        <span className="stuck-counts">
          {formatCount(pool.lockedJobs)} {pool.lockedJobs === 1 ? 'job' : 'jobs'} · {formatCount(pool.lockedQueues)}{' '}
          {pool.lockedQueues === 1 ? 'queue' : 'queues'} held
        </span>
        <div className="stuck-actions">
          <button
            className="btn"
            disabled={alive}
            onClick={unlockOnly}
            data-testid={`unlock-pool-${pool.poolId}`}
            title={alive ? 'This pool is running: stop it rather than unlock its jobs' : 'force_unlock_workers: frees its jobs and queues'}
          >
            Unlock
          </button>
          <button className="btn" disabled={alive} onClick={unlockAndRetry} data-testid={`unlock-retry-pool-${pool.poolId}`}>
            Unlock and retry now
          </button>
          <button className="btn btn-danger-text" disabled={alive} data-testid={`cancel-pool-${pool.poolId}`} onClick={cancel}>
            Cancel
          </button>
        </div>
      </div>
      {jobs.length > 0 && (
        <table className="stuck-table">
          <thead>
            <tr>
              <th>Job</th>
              <th>Task</th>
              <th>Queue</th>
              <th className="num">Locked for</th>
              <th className="num">Threshold</th>
              <th className="num">Attempt</th>
            </tr>
          </thead>
          <tbody>
            {jobs.slice(0, JOBS_PER_POOL).map((j) => (
              <tr key={j.id} data-testid={`stuck-job-${j.id}`}>
                <td className="mono">
                  <a href={href(`jobs/${j.id}`)} data-testid={`stuck-job-link-${j.id}`}>
                    #{j.id}
                  </a>
                </td>
                <td>{j.task}</td>
                <td className="dim">{j.queue ?? '—'}</td>
                <td className={j.lockedForMs > j.thresholdMs ? 'num warn-text' : 'num'}>{formatAge(j.lockedForMs)}</td>
                <td className="num dim">{formatAge(j.thresholdMs)}</td>
                <td className="num">
                  {j.attempts} / {j.maxAttempts}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {jobs.length > JOBS_PER_POOL && <div className="stuck-more dim">and {formatCount(jobs.length - JOBS_PER_POOL)} more</div>}
    </div>
  );
}

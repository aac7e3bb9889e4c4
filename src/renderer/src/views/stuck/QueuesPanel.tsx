import { href } from '../../router.ts';
import type { BlockedQueue, LockingPool } from '../../../../shared/model/stuck.ts';
import { formatAge, formatCount, shortPoolId } from '../../format.ts';
import { LivenessBadge } from './LivenessBadge.tsx';
import type { Unlock } from './confirm.ts';

/** Named queues whose row stays locked: every job behind it waits. Unlocking the pool frees the queue. */
export function QueuesPanel({ queues, pools, unlock }: { queues: BlockedQueue[]; pools: LockingPool[]; unlock: Unlock }) {
  const poolOf = new Map(pools.map((p) => [p.poolId, p]));
  return (
    <section className="panel" data-testid="stuck-queues">
      <div className="panel-head">
        <h2>Blocked named queues</h2>
        <span className="panel-note">A named queue runs one job at a time: while its row is locked, the jobs behind it wait.</span>
      </div>
      {queues.length === 0 ? (
        <div className="table-empty">No named queue is held too long.</div>
      ) : (
        <table className="stuck-table">
          <thead>
            <tr>
              <th>Queue</th>
              <th>Locked by</th>
              <th className="num">Locked for</th>
              <th className="num">Waiting</th>
              <th>Next in line</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {queues.map((q) => {
              const pool = q.lockedBy ? poolOf.get(q.lockedBy) : undefined;
              return (
                <tr key={q.queue} data-testid={`blocked-queue-${q.queue}`}>
                  <td>
                    <a className="mono" href={href('jobs', { queue: q.queue })} title="Open this queue's jobs">
                      {q.queue}
                    </a>
                  </td>
                  <td>
                    <span className="mono" title={q.lockedBy ?? ''}>
                      {shortPoolId(q.lockedBy)}
                    </span>{' '}
                    {pool && <LivenessBadge pool={pool} />}
                  </td>
                  <td className="num warn-text">{formatAge(q.lockedForMs)}</td>
                  <td className="num">
                    <a
                      className="num-link"
                      href={href('jobs', { queue: q.queue, state: 'ready,retrying,scheduled' })}
                      title="Open the jobs waiting in this queue"
                    >
                      {formatCount(q.waiting)}
                    </a>
                  </td>
                  <td className="dim stuck-sample">
                    {q.sample.length === 0
                      ? '—'
                      : q.sample.map((s, i) => (
                          <span key={s.id}>
                            {i > 0 && ', '}
                            <a href={href(`jobs/${s.id}`)}>#{s.id}</a> {s.task}
                          </span>
                        ))}
                  </td>
                  <td className="stuck-actions">
                    <button
                      className="btn"
                      disabled={!q.lockedBy || pool?.liveness === 'alive'}
                      data-testid={`unlock-queue-${q.queue}`}
                      onClick={() => unlock([q.lockedBy!], pool?.liveness === 'probably-alive')}
                    >
                      Unlock
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

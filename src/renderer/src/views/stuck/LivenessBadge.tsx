import type { LockingPool, PoolLiveness } from '../../../../shared/model/stuck.ts';
import { formatDateTime } from '../../format.ts';

const LABELS: Record<PoolLiveness, string> = {
  alive: 'alive',
  gone: 'gone',
  stopped: 'stopped',
  'probably-alive': 'probably alive · judged',
  'probably-gone': 'probably gone · judged',
};

type PoolFacts = Pick<LockingPool, 'reason' | 'stoppedAt' | 'host' | 'pid' | 'lastHeartbeatAt' | 'knownBy'>;

/**
 * The engine's reason with its times (sent apart, as ISO) in the viewer's local time, like the other views,
 * and who the worker is when its companion said so.
 */
export function poolReason(pool: PoolFacts): string {
  const parts = [pool.stoppedAt ? `${pool.reason} at ${formatDateTime(pool.stoppedAt)}` : pool.reason];
  if (pool.knownBy === 'companion') {
    if (pool.host || pool.pid !== null) parts.push(`host ${pool.host ?? '?'}, pid ${pool.pid ?? '?'}`);
    if (pool.lastHeartbeatAt && !pool.stoppedAt) parts.push(`last heartbeat ${formatDateTime(pool.lastHeartbeatAt)}`);
  }
  return parts.join(' · ');
}

/**
 * Whether the pool holding a lock still runs: known for Jobdeck's own pools and for workers with the companion
 * (their heartbeat), a judgement from lock age for the others (labelled "judged").
 */
export function LivenessBadge({ pool }: { pool: PoolFacts & Pick<LockingPool, 'liveness' | 'ours'> }) {
  return (
    <span className={`badge stuck-live stuck-live-${pool.liveness}`} title={poolReason(pool)} data-testid="pool-liveness">
      {pool.ours ? 'Jobdeck · ' : ''}
      {LABELS[pool.liveness]}
      {pool.knownBy === 'companion' ? ' · heartbeat' : ''}
    </span>
  );
}

import type { LockingPool, PoolLiveness } from '../../../../shared/model/stuck.ts';
import { formatDateTime } from '../../format.ts';

const LABELS: Record<PoolLiveness, string> = {
  alive: 'alive',
  gone: 'gone',
  'probably-alive': 'probably alive · judged',
  'probably-gone': 'probably gone · judged',
};

/** The engine's reason with its time (sent apart, as ISO) in the viewer's local time, like the other views. */
export function poolReason(pool: Pick<LockingPool, 'reason' | 'stoppedAt'>): string {
  return pool.stoppedAt ? `${pool.reason} at ${formatDateTime(pool.stoppedAt)}` : pool.reason;
}

/** Whether the pool holding a lock still runs: exact for Jobdeck's own pools, a judgement for others. */
export function LivenessBadge({ pool }: { pool: Pick<LockingPool, 'liveness' | 'reason' | 'ours' | 'stoppedAt'> }) {
  return (
    <span className={`badge stuck-live stuck-live-${pool.liveness}`} title={poolReason(pool)} data-testid="pool-liveness">
      {pool.ours ? 'Jobdeck · ' : ''}
      {LABELS[pool.liveness]}
    </span>
  );
}

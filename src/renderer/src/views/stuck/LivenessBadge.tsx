import type { LockingPool, PoolLiveness } from '../../../../shared/model/stuck.ts';

const LABELS: Record<PoolLiveness, string> = {
  alive: 'alive',
  gone: 'gone',
  'probably-alive': 'probably alive · judged',
  'probably-gone': 'probably gone · judged',
};

/** Whether the pool holding a lock still runs: exact for Jobdeck's own pools, a judgement for others. */
export function LivenessBadge({ pool }: { pool: Pick<LockingPool, 'liveness' | 'reason' | 'ours'> }) {
  return (
    <span className={`badge stuck-live stuck-live-${pool.liveness}`} title={pool.reason} data-testid="pool-liveness">
      {pool.ours ? 'Jobdeck · ' : ''}
      {LABELS[pool.liveness]}
    </span>
  );
}

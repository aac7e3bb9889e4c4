import type { ActionProgress } from '../../data/action-progress.ts';
import { formatCount } from '../../format.ts';

/** How far a running action is: `done` of `total` jobs, from its progress events (or the expected total until the first). */
export function ActionProgressBar({ progress, expected }: { progress: ActionProgress | null; expected?: number }) {
  const done = progress?.done ?? 0;
  const total = progress?.total ?? expected ?? null;
  const pct = total ? Math.min(100, Math.round((done / total) * 100)) : 0;
  return (
    <div className="action-progress" data-testid="action-progress">
      <div className="progress-bar">
        <span style={{ width: `${pct}%` }} />
      </div>
      <span className="num dim">{total === null ? 'starting…' : `${formatCount(done)} of ${formatCount(total)}`}</span>
    </div>
  );
}

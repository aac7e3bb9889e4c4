import { JOB_STATE_COLORS, JOB_STATE_LABELS, JOB_STATES, type StateCounts } from '../../../shared/model/job-state.ts';
import { formatCount } from '../format.ts';

/** One row's jobs split by state, as a thin stacked bar (the proportions at a glance). */
export function MixBar({ counts }: { counts: StateCounts }) {
  const title = JOB_STATES.filter((s) => counts[s] > 0)
    .map((s) => `${JOB_STATE_LABELS[s]}: ${formatCount(counts[s])}`)
    .join(' · ');
  return (
    <div className="mix-bar" title={title || 'No jobs'} aria-hidden="true">
      {counts.total > 0 &&
        JOB_STATES.map((s) => (counts[s] > 0 ? <span key={s} style={{ flexGrow: counts[s], background: JOB_STATE_COLORS[s] }} /> : null))}
    </div>
  );
}

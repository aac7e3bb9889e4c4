import type { TooltipContentProps } from 'recharts';
import { JOB_STATE_COLORS, JOB_STATE_LABELS, JOB_STATES, type JobState } from '../../../shared/model/job-state.ts';
import { formatCount, formatDateTime } from '../format.ts';
import type { DepthPoint } from './depth-series.ts';

/** The hovered sample: time, each visible state (top of the stack first) and their sum. */
export function DepthTooltip({ active, payload, hidden }: Partial<TooltipContentProps> & { hidden: Set<JobState> }) {
  const point = payload?.[0]?.payload as DepthPoint | undefined;
  if (!active || !point || point.ready === null) return null;
  const shown = JOB_STATES.filter((s) => !hidden.has(s));
  const total = shown.reduce((sum, s) => sum + (point[s] ?? 0), 0);
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-time">{formatDateTime(point.t)}</div>
      {shown.map((s) => (
        <div className="chart-tooltip-row" key={s}>
          <span className="swatch" style={{ background: JOB_STATE_COLORS[s] }} />
          <span>{JOB_STATE_LABELS[s]}</span>
          <span className={point[s] ? 'num' : 'num dim'}>{formatCount(point[s] ?? 0)}</span>
        </div>
      ))}
      <div className="chart-tooltip-row chart-tooltip-total">
        <span />
        <span>Total shown</span>
        <span className="num">{formatCount(total)}</span>
      </div>
    </div>
  );
}

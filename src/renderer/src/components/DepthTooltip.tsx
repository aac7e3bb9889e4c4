import type { TooltipContentProps } from 'recharts';
import { formatCount, formatDateTime } from '../format.ts';
import { DEPTH_COLORS, DEPTH_KEYS, DEPTH_LABELS, type DepthKey, type DepthPoint } from './depth-series.ts';

/** The hovered sample: time, each visible state (top of the stack first) and their sum. */
export function DepthTooltip({ active, payload, hidden }: Partial<TooltipContentProps> & { hidden: Set<DepthKey> }) {
  const point = payload?.[0]?.payload as DepthPoint | undefined;
  if (!active || !point || point.ready === null) return null;
  // Paused only where some were: a row of zeros for a feature seldom used would be noise.
  const shown = DEPTH_KEYS.filter((s) => !hidden.has(s) && (s !== 'paused' || (point.paused ?? 0) > 0));
  const total = shown.reduce((sum, s) => sum + (point[s] ?? 0), 0);
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-time">{formatDateTime(point.t)}</div>
      {shown.map((s) => (
        <div className="chart-tooltip-row" key={s}>
          <span className="swatch" style={{ background: DEPTH_COLORS[s] }} />
          <span>{DEPTH_LABELS[s]}</span>
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

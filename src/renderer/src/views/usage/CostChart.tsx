import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import type { UsageSummary } from '../../../../shared/model/usage.ts';
import { formatAxisTime, formatCompact, formatDateTime } from '../../format.ts';
import { formatUsd } from './usage-format.ts';

/** Axis ticks: three significant digits at most (`$0.0085`, `$1.2K`). */
const axisUsd = (v: number) => (v === 0 ? '$0' : v >= 1000 ? `$${formatCompact(v)}` : `$${Number(v.toPrecision(2))}`);

/** Slot labels along the axis at most (a 30-day window of days, a 24 h window of hours). */
const MAX_LABELS = 8;

const AXIS = { stroke: 'var(--border-strong)', tick: { fill: 'var(--text-dim)', fontSize: 11 } };
// Day slots are UTC days (the rollups' slots): named as such, or a US evening's spend reads as the next day's.
const day = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** Cost (bars) per hour or day; tokens in the tooltip. A slot whose attempts have no price shows no bar. */
export function CostChart({ summary, metric }: { summary: UsageSummary; metric: 'cost' | 'tokens' }) {
  if (summary.totals.attempts === 0) return <div className="chart-empty">No usage recorded in this window.</div>;
  const data = summary.series.map((d) => ({
    t: Date.parse(d.at),
    cost: d.costUsd ?? 0,
    input: d.inputTokens,
    output: d.outputTokens,
  }));
  // Hours as every other chart writes them (format.ts).
  const tick = (t: number) => (summary.slot === 'hour' ? formatAxisTime(t, 24 * 60) : day.format(t));
  return (
    <BarChart responsive data={data} style={{ width: '100%', height: '100%' }} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
      <CartesianGrid stroke="var(--grid)" vertical={false} />
      {/* Every k-th slot labelled, k the same across the axis: recharts' own gap rule labelled 10 AM, 1, 3, 5, 7, 10 PM. */}
      <XAxis dataKey="t" tickFormatter={tick} interval={Math.max(0, Math.ceil(data.length / MAX_LABELS) - 1)} {...AXIS} />
      <YAxis width={64} tickFormatter={(v: number) => (metric === 'cost' ? axisUsd(v) : formatCompact(v))} {...AXIS} />
      <Tooltip
        isAnimationActive={false}
        cursor={{ fill: 'var(--hover)' }}
        contentStyle={{ background: 'var(--panel-2)', border: '1px solid var(--border-strong)', fontSize: 12 }}
        labelFormatter={(t) => (summary.slot === 'hour' ? formatDateTime(Number(t)) : `${day.format(Number(t))} (UTC)`)}
        formatter={(v, name) => [metric === 'cost' && name === 'Cost' ? formatUsd(Number(v)) : formatCompact(Number(v)), name]}
      />
      {metric === 'cost' ? (
        <Bar dataKey="cost" name="Cost" fill="var(--accent)" maxBarSize={56} isAnimationActive={false} />
      ) : (
        [
          <Bar key="in" dataKey="input" name="Input tokens" stackId="t" fill="var(--accent)" maxBarSize={56} isAnimationActive={false} />,
          <Bar key="out" dataKey="output" name="Output tokens" stackId="t" fill="var(--ok)" maxBarSize={56} isAnimationActive={false} />,
        ]
      )}
    </BarChart>
  );
}

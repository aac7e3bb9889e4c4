import { Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from 'recharts';
import type { HistorySummary } from '../../../../shared/model/history.ts';
import { chartSpan, partialBucketStart } from '../../../../shared/model/history.ts';
import { formatAxisTime, formatCompact } from '../../format.ts';
import { bucketLabel } from './bucket-label.ts';

const AXIS = { stroke: 'var(--border-strong)', tick: { fill: 'var(--text-dim)', fontSize: 11 } };
/** How strongly the bucket still filling is drawn. */
const PARTIAL_OPACITY = 0.35;

/** Finished runs per bucket: successes and failed attempts stacked, so throughput and failure share read together. */
export function ThroughputChart({ summary }: { summary: HistorySummary }) {
  const { minutes } = chartSpan(summary);
  const partial = partialBucketStart(summary);
  if (summary.successes + summary.failures === 0) return <div className="chart-empty">No runs recorded in this window.</div>;
  // One opacity per bucket, for both stacked bars.
  const cells = summary.buckets.map((b) => <Cell key={b.t} fillOpacity={b.t === partial ? PARTIAL_OPACITY : 1} />);
  return (
    <BarChart
      responsive
      data={summary.buckets}
      style={{ width: '100%', height: '100%' }}
      margin={{ top: 8, right: 12, bottom: 0, left: 0 }}
    >
      <CartesianGrid stroke="var(--grid)" vertical={false} />
      <XAxis dataKey="t" tickFormatter={(t: number) => formatAxisTime(t, minutes)} minTickGap={48} {...AXIS} />
      <YAxis width={44} allowDecimals={false} tickFormatter={(v: number) => formatCompact(v)} {...AXIS} />
      <Tooltip
        isAnimationActive={false}
        cursor={{ fill: 'var(--hover)' }}
        contentStyle={{ background: 'var(--panel-2)', border: '1px solid var(--border-strong)', fontSize: 12 }}
        labelFormatter={bucketLabel(partial)}
      />
      {/* The bucket still filling is drawn faint: its height is so far, not a drop. */}
      <Bar dataKey="successes" name="Succeeded" stackId="runs" fill="var(--ok)" isAnimationActive={false}>
        {cells}
      </Bar>
      <Bar dataKey="failures" name="Failed attempts" stackId="runs" fill="var(--danger)" isAnimationActive={false}>
        {cells}
      </Bar>
    </BarChart>
  );
}

import { useMemo } from 'react';
import { Area, AreaChart, CartesianGrid, ReferenceArea, Tooltip, XAxis, YAxis } from 'recharts';
import type { HistorySummary } from '../../../../shared/model/history.ts';
import type { ErrorTypeInfo } from '../../../../shared/errors/index.ts';
import { formatAxisTime, formatCompact } from '../../format.ts';
import { bucketLabel } from './bucket-label.ts';
import { chartSpan, partialBucketStart } from '../../../../shared/model/history.ts';
import { useTheme } from '../../theme.ts';

const AXIS = { stroke: 'var(--border-strong)', tick: { fill: 'var(--text-dim)', fontSize: 11 } };
/**
 * How much of each type's colour fills its band. On the dark background a third of it turned the yellows, ambers and
 * greens into olive and brown that could not be told apart, while the legend's swatches stayed bright.
 */
const FILL_OPACITY = { light: 0.35, dark: 0.75 } as const;

/** Failed attempts per error type over the window, stacked, one colour per type. */
export function TypeAreas({ summary, info }: { summary: HistorySummary; info: (type: string) => ErrorTypeInfo }) {
  const types = useMemo(() => summary.byType.map((t) => t.type), [summary.byType]);
  const { theme } = useTheme();
  const span = chartSpan(summary);
  // A closing point one bucket after the last one, so the last step is drawn with its full width.
  const data = useMemo(() => {
    const points = summary.buckets.map((b) => ({ t: b.t, ...Object.fromEntries(types.map((type) => [type, b.byType[type] ?? 0])) }));
    const last = points[points.length - 1];
    return last ? [...points, { ...last, t: last.t + summary.bucketMs }] : points;
  }, [summary, types]);
  const end = data.length ? data[data.length - 1].t : Date.parse(summary.to);
  const partial = partialBucketStart(summary);
  if (types.length === 0) return <div className="chart-empty">No failed attempts in this window.</div>;
  return (
    <AreaChart responsive data={data} style={{ width: '100%', height: '100%' }} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
      <CartesianGrid stroke="var(--grid)" vertical={false} />
      <XAxis
        dataKey="t"
        type="number"
        scale="time"
        domain={[span.from, end]}
        tickFormatter={(t: number) => formatAxisTime(t, span.minutes)}
        minTickGap={48}
        {...AXIS}
      />
      <YAxis width={44} allowDecimals={false} tickFormatter={(v: number) => formatCompact(v)} {...AXIS} />
      <Tooltip
        isAnimationActive={false}
        contentStyle={{ background: 'var(--panel-2)', border: '1px solid var(--border-strong)', fontSize: 12 }}
        labelFormatter={bucketLabel(partial)}
        formatter={(value, name) => [String(value), info(String(name)).label]}
      />
      {types.map((type) => (
        <Area
          key={type}
          dataKey={type}
          stackId="types"
          type="stepAfter"
          stroke={info(type).color}
          fill={info(type).color}
          fillOpacity={FILL_OPACITY[theme]}
          strokeWidth={1.2}
          isAnimationActive={false}
          dot={false}
        />
      ))}
      {/* Veiled: the bucket still filling, whose step is so far, not a drop. */}
      {partial !== null && (
        <ReferenceArea
          x1={partial}
          x2={end}
          fill="var(--panel)"
          fillOpacity={0.6}
          stroke="none"
          ifOverflow="hidden"
          label={{ value: 'so far', position: 'insideTop', fill: 'var(--text-dim)', fontSize: 10 }}
        />
      )}
    </AreaChart>
  );
}

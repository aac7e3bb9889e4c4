import { useMemo } from 'react';
import { Area, AreaChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import type { DepthSample } from '../../../shared/model/overview.ts';
import { formatAxisTime, formatClock, formatCompact } from '../format.ts';
import { DEPTH_COLORS, DEPTH_LABELS, STACK_ORDER, toDepthPoints, type DepthKey } from './depth-series.ts';
import { tickStep, timeTicks } from './time-ticks.ts';
import { DepthTooltip } from './DepthTooltip.tsx';

interface Props {
  samples: DepthSample[];
  rangeMinutes: number;
  hidden: Set<DepthKey>;
  /** The time axis: the whole range, or from the first sample when history is shorter. */
  domain: [number, number];
}

const AXIS = { stroke: 'var(--border-strong)', tick: { fill: 'var(--text-dim)', fontSize: 11 } };

/** Stacked queue depth over time (filled areas, no outlines: a zero layer never paints over another). */
export function DepthChart({ samples, rangeMinutes, hidden, domain }: Props) {
  const points = useMemo(() => toDepthPoints(samples, rangeMinutes), [samples, rangeMinutes]);
  // By the bounds, not the array: the caller builds a new one each render.
  const [from, to] = domain;
  const ticks = useMemo(() => timeTicks(from, to), [from, to]);
  const seconds = tickStep(from, to) < 60_000;
  return (
    <AreaChart responsive data={points} style={{ width: '100%', height: '100%' }} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
      <CartesianGrid stroke="var(--grid)" vertical={false} />
      <XAxis
        dataKey="t"
        type="number"
        scale="time"
        domain={domain}
        allowDataOverflow
        ticks={ticks}
        tickFormatter={(t: number) => (seconds ? formatClock(t) : formatAxisTime(t, rangeMinutes))}
        minTickGap={24}
        {...AXIS}
      />
      <YAxis width={48} allowDecimals={false} tickFormatter={(v: number) => formatCompact(v)} {...AXIS} />
      <Tooltip
        content={(props) => <DepthTooltip {...props} hidden={hidden} />}
        cursor={{ stroke: 'var(--text-dim)', strokeDasharray: '3 3' }}
        isAnimationActive={false}
      />
      {STACK_ORDER.filter((s) => !hidden.has(s)).map((s) => (
        <Area
          key={s}
          dataKey={s}
          name={DEPTH_LABELS[s]}
          stackId="depth"
          type="stepAfter"
          stroke="none"
          fill={DEPTH_COLORS[s]}
          fillOpacity={0.72}
          isAnimationActive={false}
          connectNulls={false}
          dot={false}
          activeDot={{ r: 3, strokeWidth: 0 }}
        />
      ))}
    </AreaChart>
  );
}

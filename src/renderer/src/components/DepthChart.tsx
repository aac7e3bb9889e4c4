import { useMemo } from 'react';
import { Area, AreaChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import { JOB_STATE_COLORS, JOB_STATE_LABELS, type JobState } from '../../../shared/model/job-state.ts';
import type { DepthSample } from '../../../shared/model/overview.ts';
import { formatAxisTime, formatCompact } from '../format.ts';
import { STACK_ORDER, toDepthPoints } from './depth-series.ts';
import { DepthTooltip } from './DepthTooltip.tsx';

interface Props {
  samples: DepthSample[];
  rangeMinutes: number;
  hidden: Set<JobState>;
  now: number;
}

const AXIS = { stroke: 'var(--border-strong)', tick: { fill: 'var(--text-dim)', fontSize: 11 } };

/** Stacked queue depth over the chosen range; the time axis always spans the whole range. */
export function DepthChart({ samples, rangeMinutes, hidden, now }: Props) {
  const points = useMemo(() => toDepthPoints(samples, rangeMinutes), [samples, rangeMinutes]);
  const domain: [number, number] = [now - rangeMinutes * 60_000, now];
  return (
    <AreaChart responsive data={points} style={{ width: '100%', height: '100%' }} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
      <CartesianGrid stroke="var(--grid)" vertical={false} />
      <XAxis
        dataKey="t"
        type="number"
        scale="time"
        domain={domain}
        allowDataOverflow
        tickFormatter={(t: number) => formatAxisTime(t, rangeMinutes)}
        minTickGap={48}
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
          name={JOB_STATE_LABELS[s]}
          stackId="depth"
          type="monotone"
          stroke={JOB_STATE_COLORS[s]}
          strokeWidth={1.5}
          fill={JOB_STATE_COLORS[s]}
          fillOpacity={0.28}
          isAnimationActive={false}
          connectNulls={false}
          dot={false}
          activeDot={{ r: 3, strokeWidth: 0 }}
        />
      ))}
    </AreaChart>
  );
}

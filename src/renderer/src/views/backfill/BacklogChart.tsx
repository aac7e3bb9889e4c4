import { useMemo } from 'react';
import { Bar, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from 'recharts';
import type { BackfillRunRecord } from '../../../../shared/model/backfill.ts';
import { formatClock, formatCompact } from '../../format.ts';

const AXIS = { stroke: 'var(--border-strong)', tick: { fill: 'var(--text-dim)', fontSize: 11 } };

/** Items lacking output at each preview and run (the line), and the jobs each run queued (the bars). */
export function BacklogChart({ runs }: { runs: BackfillRunRecord[] }) {
  const points = useMemo(
    () => runs.filter((r) => !r.error).map((r) => ({ t: Date.parse(r.at), missing: r.missing, queued: r.enqueued })),
    [runs],
  );
  return (
    <section className="panel" data-testid="backfill-chart">
      <div className="panel-head">
        <h2>Backlog over time</h2>
        <span className="panel-note">items lacking output at each preview and run · jobs each run queued</span>
      </div>
      <div className="bf-chart">
        {points.length === 0 ? (
          <div className="chart-empty">Preview or run the rule to start its backlog history.</div>
        ) : (
          <ComposedChart
            responsive
            data={points}
            style={{ width: '100%', height: '100%' }}
            margin={{ top: 8, right: 16, bottom: 0, left: 0 }}
          >
            <CartesianGrid stroke="var(--grid)" vertical={false} />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={['dataMin', 'dataMax']}
              padding={{ left: 24, right: 24 }}
              tickFormatter={(t: number) => formatClock(t)}
              minTickGap={48}
              {...AXIS}
            />
            <YAxis width={48} allowDecimals={false} tickFormatter={(v: number) => formatCompact(v)} {...AXIS} />
            <Tooltip
              labelFormatter={(t) => formatClock(Number(t))}
              contentStyle={{ background: 'var(--panel-2)', border: '1px solid var(--border-strong)', borderRadius: 6 }}
              isAnimationActive={false}
            />
            <Legend wrapperStyle={{ fontSize: 12, color: 'var(--text-muted)' }} />
            <Bar dataKey="queued" name="Jobs queued" fill="var(--accent)" maxBarSize={14} isAnimationActive={false} />
            <Line
              dataKey="missing"
              name="Lacking output"
              stroke="var(--warning)"
              strokeWidth={2}
              dot={{ r: 2.5 }}
              type="stepAfter"
              isAnimationActive={false}
            />
          </ComposedChart>
        )}
      </div>
    </section>
  );
}

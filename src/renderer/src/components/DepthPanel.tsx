import { useMemo, useState } from 'react';
import { DEPTH_RANGES, useDepthRange } from '../store/depth-store.ts';
import { useNow } from '../hooks/useNow.ts';
import { DepthChart } from './DepthChart.tsx';
import { formatClock } from '../format.ts';
import { errorMessage } from '../api/client.ts';
import { useOp } from '../data/use-op.ts';
import { useDepthSamples } from './use-depth-samples.ts';
import { depthSampleOf, type DepthSample, type OverviewSnapshot } from '../../../shared/model/overview.ts';
import { DEPTH_COLORS, DEPTH_KEYS, DEPTH_LABELS, type DepthKey } from './depth-series.ts';

function withLatest(samples: DepthSample[], snapshot: OverviewSnapshot | null): DepthSample[] {
  if (!snapshot || samples.length === 0) return samples;
  const last = samples[samples.length - 1];
  if (Date.parse(snapshot.at) <= Date.parse(last.at)) return samples;
  return [...samples, depthSampleOf(snapshot.at, snapshot.totals)];
}

const NO_SAMPLES: DepthSample[] = [];

const HIDDEN_KEY = 'jobdeck:depth-hidden';

function savedHidden(): Set<DepthKey> {
  try {
    const list = JSON.parse(localStorage.getItem(HIDDEN_KEY) ?? '[]') as string[];
    return new Set(DEPTH_KEYS.filter((s) => list.includes(s)));
  } catch {
    return new Set();
  }
}

/** The queue depth chart with its range switch and series toggles (hide failed to see the rest). */
export function DepthPanel() {
  const { rangeMinutes, setRange } = useDepthRange();
  const depth = useDepthSamples(rangeMinutes);
  const stored = depth.data ?? NO_SAMPLES;
  const snapshot = useOp('overview.get', {}).data ?? null;
  // The latest pushed counts extend the stored samples, so the chart's right edge is live like the cards.
  const samples = useMemo(() => withLatest(stored, snapshot), [stored, snapshot]);
  const [hidden, setHidden] = useState(savedHidden);
  const now = useNow(5000);
  const rangeStart = now - rangeMinutes * 60_000;
  const first = samples.length ? Date.parse(samples[0].at) : now;
  // Shorter history than the range: start the axis at the first sample rather than draw an empty hour.
  const partial = first - rangeStart > (rangeMinutes * 60_000) / 20;
  const domain: [number, number] = [partial ? first : rangeStart, now];
  // Paused has a toggle only while the range holds some: most queues are never paused.
  const keys = samples.some((s) => (s.paused ?? 0) > 0) ? DEPTH_KEYS : DEPTH_KEYS.filter((k) => k !== 'paused');
  const toggle = (s: DepthKey) => {
    const next = new Set(hidden);
    if (!next.delete(s)) next.add(s);
    localStorage.setItem(HIDDEN_KEY, JSON.stringify([...next]));
    setHidden(next);
  };
  return (
    <section className="panel">
      <div className="panel-head">
        <h2>Queue depth</h2>
        <div className="legend" role="group" aria-label="Series">
          {keys.map((s) => (
            <button
              key={s}
              className={hidden.has(s) ? 'legend-item off' : 'legend-item'}
              aria-pressed={!hidden.has(s)}
              onClick={() => toggle(s)}
              title={hidden.has(s) ? `Show ${DEPTH_LABELS[s]}` : `Hide ${DEPTH_LABELS[s]}`}
            >
              <span className="swatch" style={{ background: DEPTH_COLORS[s] }} />
              {DEPTH_LABELS[s]}
            </button>
          ))}
        </div>
        {partial && samples.length > 0 && (
          <span className="panel-note" title="Jobdeck samples the depth every 5 s while it is connected">
            history since {formatClock(first)}
          </span>
        )}
        <div className="segmented" role="group" aria-label="Range">
          {DEPTH_RANGES.map((r) => (
            <button
              key={r.key}
              className={r.minutes === rangeMinutes ? 'active' : ''}
              aria-pressed={r.minutes === rangeMinutes}
              onClick={() => setRange(r.minutes)}
              data-testid={`depth-range-${r.key}`}
            >
              {r.label}
            </button>
          ))}
        </div>
      </div>
      <div className="depth-chart" data-testid="depth-chart" data-points={samples.length}>
        {samples.length > 0 ? (
          <DepthChart samples={samples} rangeMinutes={rangeMinutes} hidden={hidden} domain={domain} />
        ) : (
          <div className="chart-empty">
            {depth.error
              ? `Depth history is not available: ${errorMessage(depth.error)}`
              : depth.isSuccess
                ? 'No samples in this range yet. Jobdeck records the queue depth every 5 s while connected.'
                : 'Loading depth history…'}
          </div>
        )}
      </div>
    </section>
  );
}

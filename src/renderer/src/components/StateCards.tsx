import type { CSSProperties } from 'react';
import { JOB_STATES, JOB_STATE_COLORS, JOB_STATE_LABELS, type JobState, type StateCounts } from '../../../shared/model/job-state.ts';
import type { DepthSample } from '../../../shared/model/overview.ts';
import { formatCount } from '../format.ts';
import { TREND_MINUTES } from '../store/depth-store.ts';
import { useNow } from '../hooks/useNow.ts';
import { Sparkline } from './Sparkline.tsx';

type CardKey = JobState | 'total';

const TOTAL_COLOR = '#aab4c3';

/** What each state means, for the card's tooltip. */
const HINTS: Record<CardKey, string> = {
  ready: 'Never tried, due now: waiting for a worker',
  scheduled: 'Never tried, set to run later',
  running: 'Locked by a worker right now',
  retrying: 'Failed at least once, attempts left: runs again at its run_at',
  failed: 'Attempts used up: kept until retried or removed',
  total: 'Every job in the graphile_worker jobs table',
};

function sampleValue(s: DepthSample, key: CardKey): number {
  return key === 'total' ? s.ready + s.scheduled + s.running + s.retrying + s.failed : s[key];
}

function Trend({ k, values, current, minutes }: { k: CardKey; values: number[]; current: number | null; minutes: number }) {
  if (values.length < 2 || current === null) return <span className="card-trend dim">no trend yet</span>;
  const delta = current - values[0];
  if (delta === 0) return <span className="card-trend dim">no change in {minutes} min</span>;
  return (
    <span className="card-trend">
      <span className={delta > 0 && (k === 'failed' || k === 'retrying') ? 'trend-bad' : 'trend-plain'}>
        {delta > 0 ? '▲' : '▼'} {formatCount(Math.abs(delta))}
      </span>{' '}
      in {minutes} min
    </span>
  );
}

function StateCard({ k, value, recent, minutes }: { k: CardKey; value: number | null; recent: DepthSample[]; minutes: number }) {
  const color = k === 'total' ? TOTAL_COLOR : JOB_STATE_COLORS[k];
  const history = recent.map((s) => sampleValue(s, k));
  const values = value === null ? history : [...history, value];
  const alarm = k === 'failed' && !!value;
  const zero = value === 0;
  return (
    <div
      className={`state-card${alarm ? ' alarm' : ''}${zero ? ' zero' : ''}`}
      style={{ '--state-color': color } as CSSProperties}
      data-testid={`count-${k}`}
      title={HINTS[k]}
    >
      <div className="card-label">
        <span className="swatch" aria-hidden="true" />
        {k === 'total' ? 'Total' : JOB_STATE_LABELS[k]}
      </div>
      <div className="card-main">
        <div className="card-value num" data-testid={`count-${k}-value`}>
          {value === null ? '—' : formatCount(value)}
        </div>
        <Sparkline values={values} color={color} />
      </div>
      <Trend k={k} values={values} current={value} minutes={minutes} />
    </div>
  );
}

/** The five states and the total, big, in the job-state colours, each with its last minutes' trend. */
export function StateCards({ totals, recent }: { totals: StateCounts | null; recent: DepthSample[] }) {
  const keys: CardKey[] = [...JOB_STATES, 'total'];
  // A clock, not Date.now() in render: the span grows with time (the overview re-renders about as often anyway).
  const now = useNow();
  // The trend covers TREND_MINUTES, or less when Jobdeck has not been sampling that long.
  const since = recent.length ? Date.parse(recent[0].at) : now;
  const minutes = Math.max(1, Math.min(TREND_MINUTES, Math.round((now - since) / 60_000)));
  return (
    <div className="state-cards">
      {keys.map((k) => (
        <StateCard key={k} k={k} value={totals ? totals[k] : null} recent={recent} minutes={minutes} />
      ))}
    </div>
  );
}

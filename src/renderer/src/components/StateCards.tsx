import type { CSSProperties, ReactNode } from 'react';
import { JOB_STATES, JOB_STATE_COLORS, JOB_STATE_LABELS, type JobState, type StateCounts } from '../../../shared/model/job-state.ts';
import { depthSampleOf, type DepthSample, type DueFigures } from '../../../shared/model/overview.ts';
import { formatAge, formatCount } from '../format.ts';
import { TREND_MINUTES } from '../store/depth-store.ts';
import { useNow } from '../hooks/useNow.ts';
import { href } from '../router.ts';
import { Sparkline } from './Sparkline.tsx';
import { listHref, parkedHref, shownCounts, type ShownCounts } from './overview-figures.ts';

type CardKey = JobState | 'total';

const TOTAL_COLOR = '#aab4c3';

/** What each card counts, for its tooltip (the rule is also written under the cards). */
const HINTS: Record<CardKey, string> = {
  ready: 'Due now, waiting for a worker: never tried, and retries whose run_at has passed (due (retry))',
  scheduled: 'Never tried, set to run later (jobs held back by a pause are counted apart)',
  running: 'Locked by a live worker right now (jobs held by gone workers are counted apart)',
  retrying: 'Failed at least once, attempts left, run_at still ahead: not due yet (jobs held back by a pause are counted apart)',
  failed: 'Attempts used up: kept until retried or removed',
  total: 'Every job in the graphile_worker jobs table',
};

/** The depth samples keep the five exclusive states (parked jobs apart): a card's trend compares like with like. */
function sampleValue(s: DepthSample, key: CardKey): number {
  return key === 'total' ? s.ready + s.scheduled + s.running + s.retrying + s.failed + (s.paused ?? 0) : s[key];
}

function Trend({ k, values, current, spanMs }: { k: CardKey; values: number[]; current: number | null; spanMs: number }) {
  if (values.length < 2 || current === null) return <span className="card-trend dim">no trend yet</span>;
  const delta = current - values[0];
  const span = formatAge(spanMs);
  // "No change" read wrong beside a sparkline that moved all along: the figure is the same as at the start.
  if (delta === 0) return <span className="card-trend dim">same as {span} ago</span>;
  return (
    <span className="card-trend">
      <span className={delta > 0 && (k === 'failed' || k === 'retrying') ? 'trend-bad' : 'trend-plain'}>
        {delta > 0 ? '▲' : '▼'} {formatCount(Math.abs(delta))}
      </span>{' '}
      in {span}
    </span>
  );
}

interface CardProps {
  k: CardKey;
  /** The figure shown (due-now Ready, live Running...). */
  value: number | null;
  /** The exclusive state's count, for the trend against the samples. */
  raw: number | null;
  recent: DepthSample[];
  /** How far back the trend goes (less than TREND_MINUTES while Jobdeck has not sampled that long). */
  spanMs: number;
  link: string | null;
  extra?: ReactNode;
}

function StateCard({ k, value, raw, recent, spanMs, link, extra }: CardProps) {
  const color = k === 'total' ? TOTAL_COLOR : JOB_STATE_COLORS[k];
  const history = recent.map((s) => sampleValue(s, k));
  const values = raw === null ? history : [...history, raw];
  const alarm = k === 'failed' && !!value;
  const zero = value === 0;
  const label = (
    <>
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
    </>
  );
  return (
    <div
      className={`state-card${alarm ? ' alarm' : ''}${zero ? ' zero' : ''}`}
      style={{ '--state-color': color } as CSSProperties}
      data-testid={`count-${k}`}
      title={HINTS[k]}
    >
      {link ? (
        <a
          className="card-hit"
          href={link}
          data-testid={`count-${k}-link`}
          aria-label={`${k === 'total' ? 'Total' : JOB_STATE_LABELS[k]}: open the list`}
        >
          {label}
        </a>
      ) : (
        label
      )}
      {extra ?? <Trend k={k} values={values} current={raw} spanMs={spanMs} />}
    </div>
  );
}

/** Under Ready, Running, Scheduled and Waiting to retry: what the figure holds, and what is counted apart. */
function extraLine(k: CardKey, shown: ShownCounts | null): ReactNode {
  if (!shown) return undefined;
  if ((k === 'scheduled' || k === 'retrying') && shown.paused[k] > 0) {
    const n = shown.paused[k];
    return (
      <a
        className="card-trend card-paused"
        href={parkedHref(k, {})}
        data-testid={`count-${k}-paused`}
        title={`${formatCount(n)} more held back by a pause: they run once it is resumed (open the list)`}
      >
        + {formatCount(n)} paused
      </a>
    );
  }
  if (k === 'ready' && shown.dueRetries > 0) {
    return (
      <span className="card-trend" data-testid="count-ready-due-retries">
        {formatCount(shown.ready - shown.dueRetries)} new · {formatCount(shown.dueRetries)} due (retry)
      </span>
    );
  }
  if (k === 'running' && shown.gone > 0) {
    return (
      <a
        className="card-trend card-apart"
        href={href('stuck')}
        data-testid="count-running-gone"
        title={`${formatCount(shown.gone)} more held by workers that are gone: not running (open the Stuck view)`}
      >
        + {formatCount(shown.gone)} on gone workers
      </a>
    );
  }
  return undefined;
}

/**
 * The five states and the total, big, in the job-state colours, each a link to its list, with its last minutes'
 * trend. Ready counts what is due now (due retries included), Running what live workers run.
 */
export function StateCards({
  totals,
  recent,
  at,
}: {
  totals: (StateCounts & DueFigures) | null;
  recent: DepthSample[];
  at: string | null;
}) {
  const keys: CardKey[] = [...JOB_STATES, 'total'];
  // A clock, not Date.now() in render: the span grows with time (the overview re-renders about as often anyway).
  const now = useNow();
  // The trend covers TREND_MINUTES, or less when Jobdeck has not been sampling that long.
  const since = recent.length ? Date.parse(recent[0].at) : now;
  const spanMs = Math.max(1000, Math.min(TREND_MINUTES * 60_000, now - since));
  const shown = totals ? shownCounts(totals) : null;
  // The counts as a depth sample: what the samples of the trend hold, so the last point continues them.
  const asSample = totals ? depthSampleOf(at ?? '', totals) : null;
  return (
    <div className="state-cards">
      {keys.map((k) => (
        <StateCard
          key={k}
          k={k}
          value={shown ? shown[k] : null}
          raw={asSample ? sampleValue(asSample, k) : null}
          recent={recent}
          spanMs={spanMs}
          link={at ? listHref(k, {}, at) : null}
          extra={extraLine(k, shown)}
        />
      ))}
    </div>
  );
}

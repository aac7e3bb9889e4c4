import type { StateCounts } from '../../../shared/model/job-state.ts';
import type { DueFigures } from '../../../shared/model/overview.ts';
import { formatCount } from '../format.ts';
import { shortWait, waitText } from './overview-figures.ts';

/** Under the cards: how the figures are counted, and how long jobs wait (queue latency). */
export function FiguresRule({ totals }: { totals: (StateCounts & DueFigures) | null }) {
  const wait = totals?.wait ?? null;
  return (
    <p className="figures-rule" data-testid="figures-rule">
      <span>
        <strong>Ready</strong> counts every job due now: never tried, and retries whose run_at has passed (due (retry)).{' '}
        <strong>Waiting to retry</strong> counts retries not due yet. <strong>Running</strong> counts jobs held by live workers.
        {(totals?.parkedNew ?? 0) + (totals?.parkedRetries ?? 0) > 0 && (
          <> Jobs held back by a pause are counted apart (paused), until it is resumed.</>
        )}
      </span>
      <span data-testid="latency-summary">
        {totals?.oldestDueMs != null ? (
          <>
            <strong>Oldest due job</strong> has waited <span className="num">{waitText(totals.oldestDueMs)}</span>
          </>
        ) : (
          <>
            <strong>No job is due</strong> now
          </>
        )}{' '}
        · <strong>wait</strong> (start minus run_at, last hour){' '}
        {wait ? (
          <span className="num">
            p50 {shortWait(wait.p50Ms)} · p95 {shortWait(wait.p95Ms)} over {formatCount(wait.samples)} takes seen
          </span>
        ) : (
          'no take seen yet'
        )}
      </span>
    </p>
  );
}

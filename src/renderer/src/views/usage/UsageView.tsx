import { keepPreviousData } from '@tanstack/react-query';
import { USAGE_WINDOWS, type UsageWindow } from '../../../../shared/model/usage.ts';
import { errorMessage } from '../../api/client.ts';
import { formatDateTime } from '../../format.ts';
import { useOp } from '../../data/use-op.ts';
import { UsageCards } from './UsageCards.tsx';
import { CostChart } from './CostChart.tsx';
import { FailureCostTable, ModelUsageTable, TaskUsageTable } from './UsageTables.tsx';
import { PricesPanel } from './PricesPanel.tsx';
import { download, usageCsv } from './usage-format.ts';
import '../failures/failures.css';
import './usage.css';
import { navigate, withParams } from '../../router.ts';
import type { ViewProps } from '../../routes.tsx';

const WINDOW_LABELS: Record<UsageWindow, string> = { '1h': '1 h', '24h': '24 h', '7d': '7 d', '30d': '30 d' };
/** The engine announces no event when it records usage: read again on a timer while the view is open. */
const REFRESH_MS = 5000;

/** LLM usage and cost: per task, model and day, what failures burned, latency per model, and the price table. */
export function UsageView({ route }: ViewProps) {
  // The window and the chart's measure live in the address (`#/usage?window=7d&metric=tokens`): a link opens them.
  const asked = route.params.get('window');
  const window: UsageWindow = asked && asked in USAGE_WINDOWS ? (asked as UsageWindow) : '24h';
  const metric: 'cost' | 'tokens' = route.params.get('metric') === 'tokens' ? 'tokens' : 'cost';
  const setWindow = (w: UsageWindow) => navigate('usage', withParams(route, { window: w }), { replace: true });
  const setMetric = (m: 'cost' | 'tokens') => navigate('usage', withParams(route, { metric: m === 'cost' ? null : m }), { replace: true });
  const query = useOp('usage.summary', { window }, { refetchInterval: REFRESH_MS, placeholderData: keepPreviousData });
  const summary = query.data ?? null;

  return (
    <div className="failures usage" data-testid="usage-view" data-loaded={summary ? 'true' : 'false'}>
      <div className="view-head">
        <h1>Usage</h1>
        {summary && (
          <span className="dim">
            since {formatDateTime(summary.from)} · rolled up per {summary.slot === 'day' ? 'day (UTC)' : 'hour'}
          </span>
        )}
        <div className="failures-controls">
          <button
            className="btn btn-ghost"
            disabled={!summary}
            data-testid="usage-csv"
            onClick={() =>
              summary && download(`jobdeck-usage-${window}-${summary.from.slice(0, 13)}.csv`, 'text/csv;charset=utf-8', usageCsv(summary))
            }
          >
            Export CSV
          </button>
          <div className="segmented" role="group" aria-label="Window">
            {(Object.keys(USAGE_WINDOWS) as UsageWindow[]).map((w) => (
              <button
                key={w}
                className={w === window ? 'active' : ''}
                aria-pressed={w === window}
                onClick={() => setWindow(w)}
                data-testid={`usage-window-${w}`}
              >
                {WINDOW_LABELS[w]}
              </button>
            ))}
          </div>
        </div>
      </div>
      {query.error && (
        <div className="form-error" role="alert">
          {errorMessage(query.error)}
        </div>
      )}
      {summary && (
        <>
          <UsageCards summary={summary} />
          <section className="panel">
            <div className="panel-head">
              <h2>
                {metric === 'cost' ? 'Cost' : 'Tokens'} per {summary.slot}
              </h2>
              <div className="segmented" role="group" aria-label="Metric">
                {(['cost', 'tokens'] as const).map((m) => (
                  <button key={m} className={m === metric ? 'active' : ''} aria-pressed={m === metric} onClick={() => setMetric(m)}>
                    {m === 'cost' ? 'Cost' : 'Tokens'}
                  </button>
                ))}
              </div>
            </div>
            <div className="failures-chart" data-testid="usage-chart">
              <CostChart summary={summary} metric={metric} />
            </div>
          </section>
          <section className="panel">
            <div className="panel-head">
              <h2>By task</h2>
              <span className="panel-note">
                attempts that reported usage (the Failures view counts every attempt); cost per successful output counts the failed ones too
              </span>
            </div>
            <TaskUsageTable tasks={summary.byTask} />
          </section>
          <section className="panel">
            <div className="panel-head">
              <h2>By model</h2>
              <span className="panel-note">duration of the whole attempt; first token where tasks report it</span>
            </div>
            <ModelUsageTable models={summary.byModel} />
          </section>
          <section className="panel">
            <div className="panel-head">
              <h2>Burned on failures</h2>
              <span className="panel-note">
                failed attempts that reported usage, by error type; one refused before any token (a 429, say) cost nothing and is not here
              </span>
            </div>
            <FailureCostTable failures={summary.failures} />
          </section>
          <PricesPanel />
        </>
      )}
    </div>
  );
}

import { useEffect, useMemo } from 'react';
import { errorMessage } from '../../api/client.ts';
import { HISTORY_WINDOWS, type HistorySummary, type HistoryWindow } from '../../../../shared/model/history.ts';
import { formatAxisTime } from '../../format.ts';
import { useFailures } from './failures-store.ts';
import { useHistoryStatus, useHistorySummary } from './use-history.ts';
import { typeLookup } from './type-info.ts';
import { FigureCards } from './FigureCards.tsx';
import { TypeBars } from './TypeBars.tsx';
import { TypeAreas } from './TypeAreas.tsx';
import { ThroughputChart } from './ThroughputChart.tsx';
import { TaskTable } from './TaskTable.tsx';
import { AttemptList } from './AttemptList.tsx';
import { RulesPanel } from './RulesPanel.tsx';
import { HistoryNote } from './HistoryNote.tsx';
import { TypeLegend } from './TypeLegend.tsx';
import { href, navigate, withParams } from '../../router.ts';
import type { ViewProps } from '../../routes.tsx';
import './failures.css';

const WINDOW_LABELS: Record<HistoryWindow, string> = { '1h': '1 h', '24h': '24 h', '7d': '7 d', '30d': '30 d' };

/** Failure intelligence: what failed, why, since when and how often, from the history kept in SQLite. */
/** The charts' resolution, and where they start when the history begins inside the window. */
function resolution(summary: HistorySummary): string {
  const per = `per ${Math.round(summary.bucketMs / 60_000)} min`;
  if (!summary.chartFrom || summary.chartFrom === summary.from) return per;
  return `${per}, since ${formatAxisTime(Date.parse(summary.chartFrom), 60)} (when the history begins)`;
}

export function FailuresView({ route }: ViewProps) {
  const { window, task, setWindow, setTask } = useFailures();
  // The address is the truth (`#/failures?window=7d&task=x`): a link opens this window and task; choosing one
  // changes the address, and the store follows it. Without a window in the address, the last one chosen.
  const routeWindow = route.params.get('window');
  const routeTask = route.params.get('task') || null;
  useEffect(() => {
    if (routeWindow && routeWindow in HISTORY_WINDOWS) setWindow(routeWindow as HistoryWindow);
  }, [routeWindow, setWindow]);
  useEffect(() => setTask(routeTask), [routeTask, setTask]);
  const chooseWindow = (w: HistoryWindow) => navigate('failures', withParams(route, { window: w }), { replace: true });
  const taskHref = (t: string | null) => href('failures', withParams(route, { task: t, window }));
  const shownTask = routeTask;
  const summaryQuery = useHistorySummary();
  const statusQuery = useHistoryStatus();
  const summary = summaryQuery.data ?? null;
  const status = statusQuery.data ?? null;
  const failure = summaryQuery.error ?? statusQuery.error;
  const error = failure ? errorMessage(failure) : null;
  const info = useMemo(() => typeLookup(summary?.types ?? []), [summary?.types]);

  return (
    <div className="failures" data-testid="failures-view" data-loaded={summary ? 'true' : 'false'}>
      <div className="view-head">
        <h1>Failures</h1>
        <HistoryNote status={status} />
        <div className="failures-controls">
          {task && (
            <a className="badge badge-active task-chip" href={taskHref(null)} title="Show every task">
              task: {task} ✕
            </a>
          )}
          <div className="segmented" role="group" aria-label="Window">
            {(Object.keys(HISTORY_WINDOWS) as HistoryWindow[]).map((w) => (
              <button
                key={w}
                className={w === window ? 'active' : ''}
                aria-pressed={w === window}
                onClick={() => chooseWindow(w)}
                data-testid={`window-${w}`}
              >
                {WINDOW_LABELS[w]}
              </button>
            ))}
          </div>
        </div>
      </div>
      {error && (
        <div className="form-error" role="alert">
          {error}
        </div>
      )}
      {summary && (
        <>
          <FigureCards summary={summary} />
          <div className="failures-grid">
            <section className="panel">
              <div className="panel-head">
                <h2>Errors by type</h2>
                <span className="panel-note">click a type to open its jobs (retry, remove)</span>
              </div>
              <TypeBars byType={summary.byType} info={info} task={shownTask} />
            </section>
            <section className="panel">
              <div className="panel-head">
                <h2>Errors by type over time</h2>
                <span className="panel-note">{resolution(summary)}</span>
              </div>
              <div className="failures-chart" data-testid="type-areas">
                <TypeAreas summary={summary} info={info} />
              </div>
              <TypeLegend byType={summary.byType} info={info} task={shownTask} />
            </section>
          </div>
          <section className="panel">
            <div className="panel-head">
              <h2>Throughput</h2>
              <span className="panel-note">succeeded runs and failed attempts {resolution(summary)}</span>
            </div>
            <div className="failures-chart" data-testid="throughput-chart">
              <ThroughputChart summary={summary} />
            </div>
          </section>
          <section className="panel">
            <div className="panel-head">
              <h2>By task</h2>
            </div>
            <TaskTable tasks={summary.byTask} info={info} selected={task} taskHref={taskHref} />
          </section>
          <AttemptList types={summary.types} tasks={summary.byTask.map((t) => t.task)} info={info} windowFrom={summary.from} />
          <RulesPanel />
        </>
      )}
    </div>
  );
}

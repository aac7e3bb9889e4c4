import { useMemo } from 'react';
import { useOp, useStatus } from '../data/use-op.ts';
import { TREND_MINUTES } from '../store/depth-store.ts';
import { useDepthSamples } from '../components/use-depth-samples.ts';
import type { DepthSample } from '../../../shared/model/overview.ts';
import { StateCards } from '../components/StateCards.tsx';
import { DepthPanel } from '../components/DepthPanel.tsx';
import type { CountsRow } from '../components/CountsTable.tsx';
import { CountsPanel } from '../components/CountsPanel.tsx';
import { Freshness } from '../components/Freshness.tsx';
import { LockBadge } from '../components/LockBadge.tsx';
import { WorkersSummary } from '../components/WorkersSummary.tsx';
import { PauseControl } from '../components/PauseControl.tsx';
import { BreakerControl } from '../components/BreakerControl.tsx';
import { usePauses } from '../data/use-pauses.ts';
import { href } from '../router.ts';
import { countOf, formatCount } from '../format.ts';
import { TroublePanel } from '../components/TroublePanel.tsx';
import { FiguresRule } from '../components/FiguresRule.tsx';
import { listHref, parkedHref } from '../components/overview-figures.ts';

const NO_SAMPLES: DepthSample[] = [];

/** Every queue's state at a glance: totals, depth over time, per task and per named queue. */
export function OverviewView() {
  // Pushed about once a second by the monitor (data/engine-events.tsx).
  const snapshot = useOp('overview.get', {}).data ?? null;
  const state = useStatus((s) => s.connection.state);
  const recent = useDepthSamples(TREND_MINUTES).data ?? NO_SAMPLES;

  const pauses = usePauses();
  // Every task and queue row can be paused and resumed in place; paused ones are marked.
  const taskRows = useMemo<CountsRow[]>(
    () =>
      (snapshot?.byTask ?? []).map((t) => ({
        key: t.task,
        name: t.task,
        counts: t,
        link: (k) => listHref(k, { task: t.task }, snapshot!.at),
        pausedLink: (state) => parkedHref(state, { task: t.task }),
        badge: (
          <>
            <PauseControl kind="task" name={t.task} compact />
            <BreakerControl kind="task" name={t.task} compact />
          </>
        ),
      })),
    [snapshot],
  );
  const queueRows = useMemo<CountsRow[]>(
    () =>
      (snapshot?.byQueue ?? []).map((q) => ({
        key: q.queue,
        name: q.queue,
        counts: q,
        link: (k) => listHref(k, { queue: q.queue }, snapshot!.at),
        pausedLink: (state) => parkedHref(state, { queue: q.queue }),
        badge: (
          <>
            {q.locked ? <LockBadge lockedBy={q.lockedBy} /> : undefined}
            <PauseControl kind="queue" name={q.queue} compact />
            <BreakerControl kind="queue" name={q.queue} compact />
          </>
        ),
      })),
    [snapshot],
  );
  const pausedTasks = pauses.list.filter((p) => p.kind === 'task').length;
  const pausedQueues = pauses.list.filter((p) => p.kind === 'queue').length;
  const lockedQueues = snapshot?.byQueue.filter((q) => q.locked).length ?? 0;

  if (!snapshot && (state === 'none' || state === 'error')) {
    return (
      <div className="view-empty">
        <h1>Nothing to show yet</h1>
        <p>Connect to a Postgres where graphile-worker runs to see its queues.</p>
        <a className="btn btn-primary" href={href('connections')}>
          Open Connections
        </a>
      </div>
    );
  }

  return (
    <div className={state === 'offline' ? 'overview offline' : 'overview'}>
      <div className="view-head">
        <h1>Overview</h1>
        <Freshness snapshot={snapshot} offline={state === 'offline'} />
        {state !== 'offline' && <WorkersSummary />}
      </div>
      {state !== 'offline' && snapshot && <TroublePanel trouble={snapshot.trouble} />}
      <StateCards totals={snapshot?.totals ?? null} recent={recent} at={snapshot?.at ?? null} />
      <FiguresRule totals={snapshot?.totals ?? null} />
      <DepthPanel />
      <CountsPanel
        title="By task"
        note={
          <>
            {countOf(taskRows.length, 'task identifier')} with jobs
            {pausedTasks > 0 && <span className="paused-count"> · {formatCount(pausedTasks)} paused</span>}
          </>
        }
        rows={taskRows}
        nameLabel="Task"
        testId="task-table"
        empty="No jobs in the queue. Finished jobs leave graphile-worker's table; failed ones stay until retried or removed."
      />
      <CountsPanel
        title="By named queue"
        note={
          <>
            {countOf(queueRows.length, 'named queue')}
            {lockedQueues > 0 && ` · ${formatCount(lockedQueues)} locked`}
            {pausedQueues > 0 && <span className="paused-count"> · {formatCount(pausedQueues)} paused</span>} · a named queue runs one job
            at a time
          </>
        }
        rows={queueRows}
        nameLabel="Queue"
        testId="queue-table"
        empty="No jobs in named queues. Jobs without a queue_name run in parallel and appear only by task."
      />
    </div>
  );
}

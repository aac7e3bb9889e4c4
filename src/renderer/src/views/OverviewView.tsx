import { useMemo } from 'react';
import { useLive } from '../store/live-store.ts';
import { useDepth } from '../store/depth-store.ts';
import { StateCards } from '../components/StateCards.tsx';
import { DepthPanel } from '../components/DepthPanel.tsx';
import type { CountsRow } from '../components/CountsTable.tsx';
import { CountsPanel } from '../components/CountsPanel.tsx';
import { Freshness } from '../components/Freshness.tsx';
import { LockBadge } from '../components/LockBadge.tsx';
import { href } from '../router.ts';
import { countOf, formatCount } from '../format.ts';

/** Every queue's state at a glance: totals, depth over time, per task and per named queue. */
export function OverviewView() {
  const snapshot = useLive((s) => s.snapshot);
  const state = useLive((s) => s.status?.connection.state);
  const recent = useDepth((s) => s.recent);

  const taskRows = useMemo<CountsRow[]>(
    () => (snapshot?.byTask ?? []).map((t) => ({ key: t.task, name: t.task, counts: t })),
    [snapshot],
  );
  const queueRows = useMemo<CountsRow[]>(
    () =>
      (snapshot?.byQueue ?? []).map((q) => ({
        key: q.queue,
        name: q.queue,
        counts: q,
        badge: q.locked ? <LockBadge lockedBy={q.lockedBy} /> : undefined,
      })),
    [snapshot],
  );
  const lockedQueues = snapshot?.byQueue.filter((q) => q.locked).length ?? 0;

  if (!snapshot && (state === 'none' || state === 'error')) {
    return (
      <div className="view-empty">
        <h1>Nothing to show yet</h1>
        <p>Connect to a Postgres where graphile-worker runs to see its queues.</p>
        <a className="btn btn-primary" href={href('connections')}>Open Connections</a>
      </div>
    );
  }

  return (
    <div className={state === 'offline' ? 'overview offline' : 'overview'}>
      <div className="view-head">
        <h1>Overview</h1>
        <Freshness snapshot={snapshot} offline={state === 'offline'} />
      </div>
      <StateCards totals={snapshot?.totals ?? null} recent={recent} />
      <DepthPanel />
      <CountsPanel
        title="By task"
        note={`${countOf(taskRows.length, 'task identifier')} with jobs`}
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
            {lockedQueues > 0 && ` · ${formatCount(lockedQueues)} locked`} · a named queue runs one job at a time
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

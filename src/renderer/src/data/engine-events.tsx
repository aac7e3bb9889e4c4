import { useEffect, type ReactNode } from 'react';
import { hashKey, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { JobdeckEvent, OpName } from '../../../shared/contract/index.ts';
import type { EngineStatus } from '../../../shared/model/status.ts';
import type { OverviewSnapshot } from '../../../shared/model/overview.ts';
import { navigate } from '../router.ts';
import { useOffline } from '../store/offline-store.ts';
import { recordProgress } from './action-progress.ts';
import { OVERVIEW_KEY, STATUS_KEY } from './op-key.ts';

/** What a pushed event makes stale, beyond the data it carries itself. */
const RECOVERY_STALE: OpName[] = ['stuck.get', 'workers.list', 'jobs.list', 'jobs.count', 'jobs.get', 'audit.list'];
const BACKFILL_STALE: OpName[] = ['backfill.list', 'backfill.runs'];
const CONTROL_STALE: OpName[] = ['control.list', 'control.breaker.get', 'jobs.list', 'jobs.count', 'audit.list'];
const ALERT_STALE: OpName[] = ['alerts.list'];
/** Not tied to one database: kept (and only read again) when the console switches database. */
const GLOBAL_OPS: OpName[] = ['app.status', 'connections.list', 'history.rules.get', 'alerts.rules.get', 'alerts.list'];

const invalidate = (client: QueryClient, ops: OpName[]) => {
  for (const op of ops) void client.invalidateQueries({ queryKey: [op] });
};

/**
 * The console's one subscription to the engine (one event stream in web mode), fanned out: status and counts
 * go into the query cache, progress to the dialogs that wait for it, domain events make their queries stale.
 * Mounted once, around the app.
 */
export function EngineEvents({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  useEffect(() => {
    const unwatch = watchStatus(client);
    const live = followQueue(client);
    const unsubscribe = api.subscribe((event) => dispatch(client, live, event));
    return () => {
      unsubscribe();
      unwatch();
    };
  }, [client]);
  return children;
}

function dispatch(client: QueryClient, live: (snapshot: OverviewSnapshot) => void, event: JobdeckEvent): void {
  switch (event.type) {
    case 'status':
      client.setQueryData(STATUS_KEY, event.status);
      return;
    case 'overview':
      client.setQueryData(OVERVIEW_KEY, event.snapshot);
      live(event.snapshot);
      return;
    case 'action.progress':
      recordProgress(event);
      return;
    case 'backfill':
      invalidate(client, BACKFILL_STALE);
      return;
    case 'recovery':
      invalidate(client, RECOVERY_STALE);
      return;
    case 'control':
    case 'breaker':
      invalidate(client, CONTROL_STALE);
      return;
    case 'alert':
      invalidate(client, ALERT_STALE);
      return;
    case 'navigate':
      navigate(event.path, event.params);
      return;
    default:
      event satisfies never;
  }
}

/**
 * Every new status, whether pushed, answered or patched by a write: note when the connection went offline, and
 * on a switch of database drop what was read from the previous one (in-flight answers included) and read again.
 */
function watchStatus(client: QueryClient): () => void {
  let previous: EngineStatus | undefined;
  const statusHash = hashKey(STATUS_KEY);
  return client.getQueryCache().subscribe((event) => {
    if (event.type !== 'updated' || event.query.queryHash !== statusHash) return;
    const status = event.query.state.data as EngineStatus | undefined;
    if (!status || status === previous) return;
    const before = previous;
    previous = status;
    useOffline.getState().observe(status, before);
    if (before && before.connection.profileId !== status.connection.profileId) {
      // Outside the cache's notification: resetting queries from inside it would nest cache updates.
      queueMicrotask(() => {
        void client.resetQueries({ predicate: (query) => !GLOBAL_OPS.includes(query.queryKey[0] as OpName) });
        invalidate(client, ['connections.list']);
      });
    }
  });
}

/**
 * Reads again the queries marked `meta.liveMs` (the first page of the job list, depth history) when a monitor
 * snapshot (about one a second) shows the queue has moved since they were read, at most every `liveMs` each.
 * When nothing moves, or the database is offline and no snapshot comes, nothing is read.
 */
function followQueue(client: QueryClient): (snapshot: OverviewSnapshot) => void {
  let signature = '';
  let movedAt = 0;
  return (snapshot) => {
    // The states only: the oldest due job's wait grows every second while nothing moves.
    const states = (c: OverviewSnapshot['totals']) => [c.ready, c.scheduled, c.running, c.retrying, c.failed];
    const next = JSON.stringify([
      states(snapshot.totals),
      snapshot.byTask.map((t) => [t.task, states(t)]),
      snapshot.byQueue.map((q) => [q.queue, states(q)]),
    ]);
    const now = Date.now();
    if (next !== signature) {
      signature = next;
      movedAt = now;
    }
    void client.invalidateQueries({
      predicate: (query) => {
        const liveMs = query.meta?.liveMs;
        const { dataUpdatedAt, errorUpdatedAt, fetchStatus } = query.state;
        const readAt = Math.max(dataUpdatedAt, errorUpdatedAt);
        return liveMs !== undefined && fetchStatus === 'idle' && readAt < movedAt && now - readAt >= liveMs;
      },
    });
  };
}

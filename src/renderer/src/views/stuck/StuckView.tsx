import { useMemo, useState } from 'react';
import './stuck.css';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { errorMessage } from '../../api/client.ts';
import { useOp, useOpMutation, useStatus } from '../../data/use-op.ts';
import { toastError, useToasts } from '../../store/toast-store.ts';
import { useNow } from '../../hooks/useNow.ts';
import { formatClock, formatCount } from '../../format.ts';
import { href } from '../../router.ts';
import { recoverySummary, unlockSummary, type StuckRequest } from './stuck-actions.ts';
import { PoolsPanel } from './PoolsPanel.tsx';
import { QueuesPanel } from './QueuesPanel.tsx';
import { DuePanel } from './DuePanel.tsx';
import { FailedPanel } from './FailedPanel.tsx';
import { RecoveryNote } from './RecoveryNote.tsx';
import { ThresholdsPanel } from './ThresholdsPanel.tsx';
import { AutoRecoveryToggle } from './AutoRecoveryToggle.tsx';
import { StuckActionDialog } from './StuckActionDialog.tsx';
import type { PendingConfirm } from './confirm.ts';

/**
 * Stuck is judged against the clock: a lock becomes "too long" by ageing, which no event announces. So the
 * report is read again every 5 s while the view is open and the page visible (and at once after an action or
 * a recovery event, data/writes.ts and data/engine-events.tsx). It is several scans of graphile-worker's
 * table, so it is read on demand here, not by the shared monitor.
 */
const STUCK_REFRESH_MS = 5_000;

/**
 * Stuck items: jobs locked too long (by which pool, alive or gone), blocked named queues, due jobs nobody
 * takes, permanently failed groups; each with its way out, and the crash recovery of Jobdeck's own runner.
 */
export function StuckView() {
  const stuck = useOp('stuck.get', { limit: 200 }, { refetchInterval: STUCK_REFRESH_MS });
  const report = stuck.data;
  const error = stuck.error ? errorMessage(stuck.error) : null;
  const snapshot = useOp('overview.get', {}).data;
  const tasks = useMemo(() => snapshot?.byTask.map((t) => t.task) ?? [], [snapshot]);
  const connected = useStatus((s) => s.connection.state === 'online') ?? false;
  const now = useNow(5_000);
  const unlock = useOpMutation('stuck.unlock', {
    onSuccess: (r) => useToasts.getState().push('info', 'Unlock', unlockSummary(r)),
    onError: (e) => toastError('Unlock failed', e),
  });
  const recover = useOpMutation('recovery.run', {
    onSuccess: (r) => useToasts.getState().push('info', 'Recover', recoverySummary(r)),
    onError: (e) => toastError('Recover failed', e),
  });
  const busy = unlock.isPending || recover.isPending;
  const [pending, setPending] = useState<PendingConfirm | null>(null);
  const [request, setRequest] = useState<StuckRequest | null>(null);
  const unlockPools = (poolIds: string[], force: boolean) => unlock.mutate({ poolIds, force });

  if (!report) {
    return (
      <div className="view-empty">
        <h1>Stuck items</h1>
        <p>{error ?? 'Reading locks…'}</p>
        {!connected && (
          <a className="btn btn-primary" href={href('connections')}>
            Open Connections
          </a>
        )}
      </div>
    );
  }

  const stuckPools = report.pools.filter((p) => p.liveness === 'gone' || p.liveness === 'stopped' || p.liveness === 'probably-gone').length;
  const noWorker = report.due.filter((d) => d.verdict === 'no-worker').reduce((n, d) => n + d.due, 0);
  const failed = report.failed.reduce((n, f) => n + f.count, 0);
  const behind = report.blockedQueues.reduce((n, q) => n + q.waiting, 0);
  const chip = (n: number, label: string, testId: string) => (
    <span className={n > 0 ? 'stuck-chip hot' : 'stuck-chip'} data-testid={testId}>
      <strong>{formatCount(n)}</strong> {label}
    </span>
  );

  return (
    <div className="stuck" aria-busy={busy}>
      <div className="view-head">
        <h1>Stuck items</h1>
        <span className="view-note">
          read at {formatClock(report.at)}
          {error && ` · last refresh failed: ${error}`}
        </span>
      </div>
      <div className="stuck-summary">
        {chip(report.stuckTotal, 'jobs locked too long', 'stuck-count')}
        {chip(stuckPools, 'pools gone', 'stuck-pools-gone')}
        {chip(report.blockedQueues.length, 'blocked queues', 'stuck-queues-count')}
        {/* The sidebar's badge is the jobs held up: locked too long, behind blocked queues, with no worker. */}
        {behind > 0 && chip(behind, 'jobs behind them', 'stuck-behind-count')}
        {chip(noWorker, 'jobs with no worker', 'stuck-no-worker')}
        {chip(failed, 'permanently failed', 'stuck-failed-count')}
      </div>
      <section className="panel stuck-recovery" data-testid="stuck-recovery">
        <strong>Crash recovery</strong>
        <RecoveryNote report={report.lastRecovery} />
        <span style={{ flex: 1 }} />
        <button
          className="btn"
          disabled={busy}
          onClick={() => recover.mutate({})}
          data-testid="stuck-recover"
          title="Unlock what earlier, dead runners of this Jobdeck still hold"
        >
          Recover
        </button>
        <AutoRecoveryToggle />
      </section>
      <PoolsPanel
        pools={report.pools}
        jobs={report.stuckJobs}
        total={report.stuckTotal}
        act={setRequest}
        ask={setPending}
        unlock={unlockPools}
      />
      <QueuesPanel queues={report.blockedQueues} pools={report.pools} unlock={unlockPools} />
      <DuePanel groups={report.due} act={setRequest} />
      <FailedPanel groups={report.failed} act={setRequest} now={now} />
      <ThresholdsPanel thresholds={report.thresholds} tasks={tasks} />
      <ConfirmDialog
        open={pending !== null}
        title={pending?.title ?? ''}
        confirmLabel={pending?.confirmLabel ?? 'OK'}
        danger={pending?.danger}
        busy={busy}
        onCancel={() => setPending(null)}
        onConfirm={() => {
          pending?.run();
          setPending(null);
        }}
      >
        {pending?.body}
      </ConfirmDialog>
      {request && <StuckActionDialog request={request} onClose={() => setRequest(null)} />}
    </div>
  );
}

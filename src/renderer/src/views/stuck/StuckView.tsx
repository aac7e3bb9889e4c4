import { useMemo, useState } from 'react';
import './stuck.css';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { useLive } from '../../store/live-store.ts';
import { useNow } from '../../hooks/useNow.ts';
import { formatClock, formatCount } from '../../format.ts';
import { href } from '../../router.ts';
import { useStuckReport } from './use-stuck.ts';
import { runRecovery } from './stuck-actions.ts';
import { PoolsPanel } from './PoolsPanel.tsx';
import { QueuesPanel } from './QueuesPanel.tsx';
import { DuePanel } from './DuePanel.tsx';
import { FailedPanel } from './FailedPanel.tsx';
import { RecoveryNote } from './RecoveryNote.tsx';
import { ThresholdsPanel } from './ThresholdsPanel.tsx';
import type { PendingConfirm } from './confirm.ts';

/**
 * Stuck items: jobs locked too long (by which pool, alive or gone), blocked named queues, due jobs nobody
 * takes, permanently failed groups; each with its way out, and the crash recovery of Jobdeck's own runner.
 */
export function StuckView() {
  const { report, error, refresh } = useStuckReport();
  const snapshot = useLive((s) => s.snapshot);
  const tasks = useMemo(() => snapshot?.byTask.map((t) => t.task) ?? [], [snapshot]);
  const connected = useLive((s) => s.status?.connection.state === 'online');
  const now = useNow(5_000);
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState<PendingConfirm | null>(null);

  const act = async (run: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await run();
    } finally {
      setBusy(false);
      await refresh();
    }
  };

  if (!report) {
    return (
      <div className="view-empty">
        <h1>Stuck items</h1>
        <p>{error ?? 'Reading locks…'}</p>
        {!connected && <a className="btn btn-primary" href={href('connections')}>Open Connections</a>}
      </div>
    );
  }

  const stuckPools = report.pools.filter((p) => p.liveness === 'gone' || p.liveness === 'probably-gone').length;
  const noWorker = report.due.filter((d) => d.verdict === 'no-worker').reduce((n, d) => n + d.due, 0);
  const failed = report.failed.reduce((n, f) => n + f.count, 0);
  const chip = (n: number, label: string, testId: string) => (
    <span className={n > 0 ? 'stuck-chip hot' : 'stuck-chip'} data-testid={testId}>
      <strong>{formatCount(n)}</strong> {label}
    </span>
  );

  return (
    <div className="stuck" aria-busy={busy}>
      <div className="view-head">
        <h1>Stuck items</h1>
        <span className="view-note">read at {formatClock(report.at)}{error && ` · last refresh failed: ${error}`}</span>
      </div>
      <div className="stuck-summary">
        {chip(report.stuckTotal, 'jobs locked too long', 'stuck-count')}
        {chip(stuckPools, 'pools gone', 'stuck-pools-gone')}
        {chip(report.blockedQueues.length, 'blocked queues', 'stuck-queues-count')}
        {chip(noWorker, 'jobs with no worker', 'stuck-no-worker')}
        {chip(failed, 'permanently failed', 'stuck-failed-count')}
      </div>
      <section className="panel stuck-recovery" data-testid="stuck-recovery">
        <strong>Crash recovery</strong>
        <RecoveryNote report={report.lastRecovery} />
        <span style={{ flex: 1 }} />
        <button className="btn" disabled={busy} onClick={() => void act(runRecovery)} data-testid="stuck-recover"
          title="Unlock what earlier, dead runners of this Jobdeck still hold">
          Recover
        </button>
      </section>
      <PoolsPanel pools={report.pools} jobs={report.stuckJobs} total={report.stuckTotal} act={act} ask={setPending} />
      <QueuesPanel queues={report.blockedQueues} pools={report.pools} act={act} />
      <DuePanel groups={report.due} ask={setPending} />
      <FailedPanel groups={report.failed} act={act} ask={setPending} now={now} />
      <ThresholdsPanel thresholds={report.thresholds} tasks={tasks} onSaved={() => void refresh()} />
      <ConfirmDialog
        open={pending !== null}
        title={pending?.title ?? ''}
        confirmLabel={pending?.confirmLabel ?? 'OK'}
        danger={pending?.danger}
        busy={busy}
        onCancel={() => setPending(null)}
        onConfirm={() => {
          const run = pending?.run;
          setPending(null);
          if (run) void act(run);
        }}
      >
        {pending?.body}
      </ConfirmDialog>
    </div>
  );
}

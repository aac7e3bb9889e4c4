import { useState } from 'react';
import { errorMessage } from '../../api/client.ts';
import { useOp, useStatus } from '../../data/use-op.ts';
import { useNow } from '../../hooks/useNow.ts';
import { countOf } from '../../format.ts';
import { useActionsBlocked } from '../jobs/ActionButtons.tsx';
import { CancelJobDialog } from './CancelJobDialog.tsx';
import { CancelOutcomes } from './CancelOutcomes.tsx';
import { WorkerRow } from './WorkerRow.tsx';
import type { CancelTarget } from './cancel-outcome.ts';
import { useRunningCancel } from './use-running-cancel.ts';
import './workers.css';

/**
 * Heartbeats are written by the workers, not announced to the console: read the list again this often. The jobs
 * running now come from graphile-worker's locks, read each time with a scan of the jobs table (locked_at has no
 * index): more often would cost Postgres more at a million jobs, though jobs of a few seconds may end before they show.
 * This console's own runner is the exception: its line lists the jobs its status pushes (RunnerStatus.running).
 */
const REFRESH_MS = 5_000;

/**
 * Every worker process (Sidekiq's Processes, Oban's Nodes): who runs, since when, and what it runs now; a running
 * job of this console's runner or of a worker with the companion can be cancelled from its line.
 */
export function WorkersView() {
  const list = useOp('workers.list', {}, { refetchInterval: REFRESH_MS });
  // This console's own runner is known live, with every status: its line lists what the top bar counts.
  const runner = useStatus((s) => s.runner);
  const now = useNow();
  const blocked = useActionsBlocked();
  const cancels = useRunningCancel();
  const [asking, setAsking] = useState<CancelTarget | null>(null);
  const data = list.data;
  const error = list.error ? errorMessage(list.error) : null;
  // This console's runner lists what its status pushes (what the top bar counts), the others what the list read.
  const workers = data?.workers.map((w) => (w.source === 'hosted' && runner?.poolId === w.poolId ? { ...w, running: runner.running } : w));
  // The list the dialog was opened from moves on (every 5 s, and with each runner status): a job gone from it has ended.
  const stillListed =
    !asking || (workers?.some((w) => w.poolId === asking.worker.poolId && w.running.some((j) => j.jobId === asking.job.jobId)) ?? true);
  return (
    <div className="workers-view">
      <div className="view-head">
        <h1>Workers</h1>
        <span className="view-note">
          {data ? `${countOf(data.alive, 'worker')} alive · ` : ''}
          exact for workers with the companion (<code>jobdeck/worker</code>) and for this console's runner; others are seen only through the
          jobs they hold.
        </span>
      </div>
      {error && <div className="form-error">{error}</div>}
      {blocked && data?.workers.some((w) => w.running.length > 0) && (
        <div className="blocked-note workers-blocked" data-testid="workers-actions-blocked">
          Running jobs cannot be cancelled: {blocked}
        </div>
      )}
      {data && !data.companionInstalled && (
        <div className="panel workers-hint" data-testid="workers-no-companion">
          No worker has reported yet: add <code>extends: [JobdeckPreset]</code> from <code>jobdeck/worker</code> to your workers'
          graphile-worker preset to see them here with their heartbeat, and to cancel their running jobs.
        </div>
      )}
      <CancelOutcomes pending={cancels.pending} outcomes={cancels.outcomes} onDismiss={cancels.dismiss} />
      <section className="panel">
        <table className="workers-table" data-testid="workers-table">
          <thead>
            <tr>
              <th className="col-worker">Worker</th>
              <th className="col-state">State</th>
              <th>Running now</th>
            </tr>
          </thead>
          <tbody>
            {data?.workers.length === 0 && (
              <tr>
                <td colSpan={3} className="table-empty">
                  No worker holds a job or reports now.
                </td>
              </tr>
            )}
            {workers?.map((w) => (
              <WorkerRow key={w.poolId} worker={w} now={now} blocked={blocked} pending={cancels.pending} onCancel={setAsking} />
            ))}
          </tbody>
        </table>
      </section>
      <CancelJobDialog
        target={asking}
        stillListed={stillListed}
        now={now}
        onClose={() => setAsking(null)}
        onConfirm={(target) => {
          setAsking(null);
          cancels.cancel(target);
        }}
      />
    </div>
  );
}

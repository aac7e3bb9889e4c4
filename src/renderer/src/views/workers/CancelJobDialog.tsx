import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { formatAge } from '../../format.ts';
import { cancelExplanation, type CancelTarget } from './cancel-outcome.ts';
import { KEEP_FAILED_NOTE } from '../jobs/job-actions.ts';

interface Props {
  target: CancelTarget | null;
  /** The job is still in its worker's list of running jobs (read again while the dialog is open). */
  stillListed: boolean;
  now: number;
  onConfirm: (target: CancelTarget) => void;
  onClose: () => void;
}

/** The question before a running job is cancelled: which job, where it runs, and what will happen. */
export function CancelJobDialog({ target, stillListed, now, onConfirm, onClose }: Props) {
  return (
    <ConfirmDialog
      open={!!target}
      title={target ? `Cancel job #${target.job.jobId}?` : ''}
      confirmLabel="Cancel the job"
      dismissLabel={stillListed ? 'Keep it running' : 'Close'}
      danger
      onConfirm={() => target && onConfirm(target)}
      onCancel={onClose}
    >
      {target && (
        <>
          <p>
            <span className="mono">{target.job.task}</span>
            {stillListed ? `, running for ${formatAge(Math.max(0, now - Date.parse(target.job.since)))} in ` : ', taken by '}
            {target.worker.source === 'hosted' ? (
              "this console's runner"
            ) : (
              <>
                worker <span className="mono">{target.worker.poolId}</span>
                {target.worker.host ? ` on ${target.worker.host}` : ''}
                {target.worker.pid ? ` (pid ${target.worker.pid})` : ''}
              </>
            )}
            .
          </p>
          <p>{cancelExplanation(target.worker)}</p>
          {stillListed ? (
            <p className="dim">{KEEP_FAILED_NOTE}</p>
          ) : (
            <p className="warn-text" data-testid="cancel-no-longer-listed">
              It is no longer listed as running: it has probably ended. Confirming still stops it if it runs, and removes it if it waits to
              retry; if it has failed for good, it is kept.
            </p>
          )}
        </>
      )}
    </ConfirmDialog>
  );
}

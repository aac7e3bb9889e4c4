import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { formatAge } from '../../format.ts';
import { cancelExplanation, type CancelTarget } from './cancel-outcome.ts';

interface Props {
  target: CancelTarget | null;
  now: number;
  onConfirm: (target: CancelTarget) => void;
  onClose: () => void;
}

/** The question before a running job is cancelled: which job, where it runs, and what will happen. */
export function CancelJobDialog({ target, now, onConfirm, onClose }: Props) {
  return (
    <ConfirmDialog
      open={!!target}
      title={target ? `Cancel job #${target.job.jobId}?` : ''}
      confirmLabel="Cancel the job"
      dismissLabel="Keep it running"
      danger
      onConfirm={() => target && onConfirm(target)}
      onCancel={onClose}
    >
      {target && (
        <>
          <p>
            <span className="mono">{target.job.task}</span>, running for {formatAge(Math.max(0, now - Date.parse(target.job.since)))} in{' '}
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
        </>
      )}
    </ConfirmDialog>
  );
}

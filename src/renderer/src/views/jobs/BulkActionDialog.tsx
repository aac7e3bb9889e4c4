import { useEffect, useEffectEvent, useRef, type ReactNode } from 'react';
import { errorMessage } from '../../api/client.ts';
import { useModalDialog } from '../../hooks/useModalDialog.ts';
import { useBulkAction, type BulkCall } from './use-bulk-action.ts';
import { ActionProgressBar } from './ActionProgressBar.tsx';
import { ActionReportView } from './ActionReportView.tsx';
import './jobs.css';

interface Props {
  title: ReactNode;
  /** What the action will do, asked before it runs: counts, inputs, a warning. */
  children?: ReactNode;
  /** The confirm button's label; null while there is nothing to confirm yet (still counting). */
  confirmLabel: string | null;
  confirmDisabled?: boolean;
  danger?: boolean;
  /** Runs at once, without asking (a "Retry now" button). */
  autoStart?: boolean;
  /** The action's call, for the id its progress events will carry. */
  call: (actionId: string) => BulkCall;
  /** Jobs it is expected to touch, shown until the first progress event. */
  expected?: number;
  /** Why it cannot be asked (its preview failed). */
  failure?: string | null;
  onClose: (changed: boolean) => void;
}

/**
 * Every action on many jobs goes through here (the Jobs view's and the Stuck view's): the question, then the
 * action with a progress bar fed by the engine's events, then the report of what changed and what was skipped
 * and why.
 */
export function BulkActionDialog({
  title,
  children,
  confirmLabel,
  confirmDisabled,
  danger,
  autoStart,
  call,
  expected,
  failure,
  onClose,
}: Props) {
  // Open while mounted: the shared modal (focus given back to what opened it when it goes).
  const ref = useModalDialog(true);
  const action = useBulkAction();
  const started = useRef(false);
  const start = () => {
    if (started.current) return;
    started.current = true;
    action.start(call);
  };
  // When the dialog opens (`started` keeps strict mode's second run from acting twice).
  const opened = useEffectEvent(() => {
    if (autoStart) start();
  });
  useEffect(() => opened(), []);

  const running = action.phase === 'running';
  const asking = action.phase === 'idle' && !failure;
  const close = () => onClose(action.phase === 'done');
  const error = failure ?? (action.error ? errorMessage(action.error) : null);

  return (
    <dialog
      ref={ref}
      className="dialog action-dialog"
      data-testid="action-dialog"
      onCancel={(e) => (e.preventDefault(), !running && close())}
    >
      <h2>{title}</h2>
      <div className="dialog-body">
        {asking && children}
        {running && <ActionProgressBar progress={action.progress} expected={expected} />}
        {action.report && <ActionReportView report={action.report} />}
        {error && <div className="form-error">{error}</div>}
      </div>
      <div className="dialog-actions">
        {asking && confirmLabel !== null ? (
          <>
            <button className="btn" onClick={close} autoFocus>
              Close
            </button>
            <button
              className={danger ? 'btn btn-danger' : 'btn btn-primary'}
              onClick={start}
              disabled={confirmDisabled}
              data-testid="action-confirm"
            >
              {confirmLabel}
            </button>
          </>
        ) : (
          <button className="btn" onClick={close} disabled={running} data-testid="action-close">
            {running ? 'Working…' : 'Close'}
          </button>
        )}
      </div>
    </dialog>
  );
}

import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client.ts';
import { onEvent } from '../../store/event-bus.ts';
import { formatCount } from '../../format.ts';
import { JOB_ACTION_LABELS, type ActionPreview, type BulkActionReport } from '../../../../shared/model/jobs.ts';
import { ACTION_EXPLANATIONS, missingReason, newActionId, runAction, type ActionInputs, type ActionRequest } from './job-actions.ts';
import { ActionInputsForm } from './ActionInputsForm.tsx';
import { ActionReportView } from './ActionReportView.tsx';

type Phase = 'counting' | 'confirm' | 'running' | 'done' | 'failed';

/**
 * Every job action goes through here: first how many jobs it will touch (and how many a worker holds now),
 * then the action with a progress bar fed by the engine's events, then the report of what changed and what
 * was skipped and why.
 */
export function ActionDialog({
  request,
  onClose,
  onChanged,
}: {
  request: ActionRequest;
  onClose(changed: boolean): void;
  /** Called when the view behind is known stale (the action ran, or picked jobs have left), to refresh it. */
  onChanged?(): void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [phase, setPhase] = useState<Phase>('counting');
  const [preview, setPreview] = useState<ActionPreview | null>(null);
  const [inputs, setInputs] = useState<ActionInputs>({ runAt: null, message: '', priority: 0 });
  const [progress, setProgress] = useState({ done: 0, total: 0 });
  const [report, setReport] = useState<BulkActionReport | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (ref.current && !ref.current.open) ref.current.showModal();
    api.call('jobs.preview', { action: request.action, target: request.target }).then(
      (p) => {
        setPreview(p);
        setPhase('confirm');
        // Picked jobs have left the queue: the rows behind the dialog are stale, refresh them.
        if (missingReason(request.target, p.matching) && 'ids' in request.target) onChanged?.();
      },
      (e: Error) => {
        setError(e.message);
        setPhase('failed');
      },
    );
  }, [request]);

  const confirm = async () => {
    const actionId = newActionId();
    setPhase('running');
    setProgress({ done: 0, total: preview?.matching ?? 0 });
    const off = onEvent('action.progress', (e) => e.actionId === actionId && setProgress({ done: e.done, total: e.total }));
    try {
      setReport(await runAction(request, inputs, actionId));
      setPhase('done');
      onChanged?.();
    } catch (e) {
      setError((e as Error).message);
      setPhase('failed');
    } finally {
      off();
    }
  };

  const close = () => onClose(phase === 'done');
  const missing = preview ? missingReason(request.target, preview.matching) : null;
  const label = JOB_ACTION_LABELS[request.action];
  const pct = progress.total ? Math.min(100, Math.round((progress.done / progress.total) * 100)) : 0;
  const danger = request.action === 'cancel' || request.action === 'fail' || request.action === 'unlock';

  return (
    <dialog ref={ref} className="dialog action-dialog" data-testid="action-dialog" onCancel={(e) => (e.preventDefault(), phase !== 'running' && close())}>
      <h2>
        {label}: {request.subject}
      </h2>
      <div className="dialog-body">
        {phase === 'counting' && <p>Counting the jobs this will touch…</p>}
        {preview && phase === 'confirm' && (
          <>
            <p className="action-count" data-testid="action-count">
              <strong>{formatCount(preview.matching)}</strong> {preview.matching === 1 ? 'job' : 'jobs'} will be touched
              {preview.locked > 0 && (
                <span className="warn-text">
                  {' '}
                  · {formatCount(preview.locked)} held by a worker now
                  {request.action === 'cancel' && preview.lockedHere > 0
                    ? ` (${formatCount(preview.lockedHere)} in this console's runner: aborted)`
                    : ': skipped unless they finish first'}
                </span>
              )}
            </p>
            {missing && (
              <p className="warn-text" data-testid="action-missing">
                {missing}
              </p>
            )}
            <p>{ACTION_EXPLANATIONS[request.action]}</p>
            <ActionInputsForm action={request.action} inputs={inputs} onChange={setInputs} />
          </>
        )}
        {phase === 'running' && (
          <div className="action-progress" data-testid="action-progress">
            <div className="progress-bar">
              <span style={{ width: `${pct}%` }} />
            </div>
            <span className="num dim">
              {formatCount(progress.done)} of {formatCount(progress.total)}
            </span>
          </div>
        )}
        {phase === 'done' && report && <ActionReportView report={report} />}
        {phase === 'failed' && <div className="form-error">{error}</div>}
      </div>
      <div className="dialog-actions">
        {phase === 'confirm' && preview && (
          <>
            <button className="btn" onClick={close} autoFocus>
              Close
            </button>
            <button className={danger ? 'btn btn-danger' : 'btn btn-primary'} onClick={() => void confirm()} disabled={preview.matching === 0} data-testid="action-confirm">
              {label} {formatCount(preview.matching)} {preview.matching === 1 ? 'job' : 'jobs'}
            </button>
          </>
        )}
        {phase !== 'confirm' && (
          <button className="btn" onClick={close} disabled={phase === 'running'} data-testid="action-close">
            {phase === 'running' ? 'Working…' : 'Close'}
          </button>
        )}
      </div>
    </dialog>
  );
}

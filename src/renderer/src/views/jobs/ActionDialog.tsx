import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../../api/client.ts';
import { useOp } from '../../data/use-op.ts';
import { formatCount } from '../../format.ts';
import { JOB_ACTION_LABELS, type ActionPreview } from '../../../../shared/model/jobs.ts';
import { ACTION_EXPLANATIONS, actionCall, KEEP_FAILED_NOTE, missingReason, type ActionRequest } from './job-actions.ts';
import { inputNote, inputProblem, type ActionInputs } from './action-inputs.ts';
import { ActionInputsForm } from './ActionInputsForm.tsx';
import { BulkActionDialog } from './BulkActionDialog.tsx';
import { EstimateNote } from '../usage/EstimateNote.tsx';
import { VerdictChoice } from './VerdictChoice.tsx';

/** What a cancel does to the jobs workers hold now: aborted here, asked to stop elsewhere, or left alone. */
function cancelNote(p: ActionPreview): string {
  const elsewhere = p.locked - p.lockedHere - p.lockedReporting;
  const parts = [
    p.lockedHere > 0 ? `${formatCount(p.lockedHere)} in this console's runner: aborted` : null,
    p.lockedReporting > 0 ? `${formatCount(p.lockedReporting)} in workers with the companion: asked to stop` : null,
    elsewhere > 0 ? `${formatCount(elsewhere)} in processes without the companion: skipped` : null,
  ].filter(Boolean);
  return ` (${parts.join('; ')})`;
}

/**
 * A job action: first how many jobs it will touch (and how many a worker holds now), then the action with its
 * progress and report (BulkActionDialog).
 */
export function ActionDialog({ request, onClose }: { request: ActionRequest; onClose: (changed: boolean) => void }) {
  const client = useQueryClient();
  // Read once when the dialog opens, and dropped when it closes: the next dialog counts again.
  const preview = useOp('jobs.preview', { action: request.action, target: request.target }, { staleTime: Infinity, gcTime: 0 });
  // A retry of many jobs (a filter, a selection) takes only the transient ones unless the operator says otherwise.
  const many = !('ids' in request.target) || request.target.ids.length > 1;
  const [chosen, setInputs] = useState<ActionInputs>({
    runAt: null,
    message: '',
    priority: 0,
    force: false,
    perMinute: null,
    transientOnly: request.action === 'retry' && many,
  });
  const [verdictChosen, setVerdictChosen] = useState(false);
  const missing = preview.data ? missingReason(request.target, preview.data.matching) : null;

  // Picked jobs have left the queue: the rows behind the dialog are stale, read them again.
  const picked = 'ids' in request.target;
  useEffect(() => {
    if (missing && picked) for (const op of ['jobs.list', 'jobs.count', 'jobs.get']) void client.invalidateQueries({ queryKey: [op] });
  }, [missing, picked, client]);

  const label = JOB_ACTION_LABELS[request.action];
  const p = preview.data;
  // The transient-only default is dropped when it would leave nothing to retry ("Retry 0 jobs", disabled): then the
  // verdicts below say why a retry may not help, and the operator decides. A choice the operator made stands.
  const noneTransient = !!p?.verdicts && p.verdicts.transient + p.verdicts.noError === 0;
  const inputs = !verdictChosen && noneTransient && chosen.transientOnly ? { ...chosen, transientOnly: false } : chosen;
  const jobs = (n: number) => `${formatCount(n)} ${n === 1 ? 'job' : 'jobs'}`;
  const leftOut = p?.verdicts && inputs.transientOnly ? p.verdicts.permanent + p.verdicts.unknown : 0;
  const touched = p ? Math.max(0, p.matching - leftOut) : 0;
  const problem = inputProblem(request.action, inputs);
  const note = problem ? null : inputNote(request.action, inputs);
  return (
    <BulkActionDialog
      title={`${label}: ${request.subject}`}
      confirmLabel={p ? `${label} ${jobs(touched)}` : null}
      confirmDisabled={touched === 0 || problem !== null}
      danger={request.action === 'cancel' || request.action === 'fail' || request.action === 'unlock'}
      call={(actionId) => actionCall(request, inputs, actionId, p ? touched : undefined)}
      expected={p?.matching}
      failure={preview.error ? errorMessage(preview.error) : null}
      onClose={onClose}
    >
      {!p && <p>Counting the jobs this will touch…</p>}
      {p && (
        <>
          <p className="action-count" data-testid="action-count">
            <strong>{formatCount(touched)}</strong> {touched === 1 ? 'job' : 'jobs'} will be touched
            {leftOut > 0 && <span className="dim"> (of {formatCount(p.matching)} matching)</span>}
            {p.locked > 0 && (
              <span className="warn-text">
                {' '}
                · {formatCount(p.locked)} held by a worker now
                {request.action === 'cancel' ? cancelNote(p) : ': skipped unless they finish first'}
              </span>
            )}
          </p>
          {missing && (
            <p className="warn-text" data-testid="action-missing">
              {missing}
            </p>
          )}
          <p>{ACTION_EXPLANATIONS[request.action]}</p>
          {request.keepFailed && <p data-testid="action-keep-failed">{KEEP_FAILED_NOTE}</p>}
          {request.action === 'retry' && p.verdicts && (
            <VerdictChoice
              verdicts={p.verdicts}
              inputs={inputs}
              onChange={(next) => {
                setVerdictChosen(true);
                setInputs(next);
              }}
            />
          )}
          {request.action === 'retry' && p.byTask && <EstimateNote tasks={p.byTask} />}
          <ActionInputsForm action={request.action} inputs={inputs} onChange={setInputs} matching={preview.data?.matching} />
          {problem && (
            <div className="form-error" role="alert" data-testid="action-input-problem">
              {problem}
            </div>
          )}
          {note && (
            <p className="warn-text" data-testid="action-input-note">
              {note}
            </p>
          )}
        </>
      )}
    </BulkActionDialog>
  );
}

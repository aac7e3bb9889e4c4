import type { JobAction, JobFilter } from '../../../../shared/model/jobs.ts';
import type { ActionInputs } from './action-inputs.ts';
import type { BulkCall } from './use-bulk-action.ts';

export type ActionTarget = { ids: string[] } | { filter: JobFilter; atMost?: number };

/** An action the operator started, before its confirmation. */
export interface ActionRequest {
  action: JobAction;
  target: ActionTarget;
  /** What it applies to, in words: "job 42", "3 selected jobs", "every job matching the filter". */
  subject: string;
  /** cancel of a job the operator saw running: should it fail for good before the click lands, it is kept (jobs.cancel keepFailed). */
  keepFailed?: boolean;
}

/** Said before a cancel of a job seen running (keepFailed), wherever it is asked: the job page and the Workers view. */
export const KEEP_FAILED_NOTE =
  'It was running when you chose Cancel: should it fail for good before you confirm, it is left as it is (to retry or look into), not removed.';

/** What each action does, said before the operator confirms it. */
export const ACTION_EXPLANATIONS: Record<JobAction, string> = {
  retry: 'Attempts are reset to 0 and the job runs at the chosen time. A job a worker holds right now is skipped and listed.',
  cancel:
    "A job that is not running is removed from the queue and kept in Jobdeck's history as cancelled. A job running in this console's runner is aborted, and one running in a worker with the Jobdeck companion is asked to stop (Jobdeck waits up to 10 s for its answer): either ends as cancelled, not retried. A job running in a process without the companion cannot be stopped: it is listed.",
  fail: 'Attempts are set to the maximum: the job stays in the table, permanently failed, until someone retries or removes it.',
  priority: 'Lower numbers run first; the default is 0.',
  unlock:
    'Releases every job held by the pools (worker processes) of these jobs: graphile-worker unlocks per pool. A worker known alive (its companion heartbeat is recent) is refused: its jobs really run. One known gone is unlocked. One without the companion is judged from its lock age: if it still runs, a job may run twice.',
};

/**
 * Why an action would touch fewer jobs than the operator picked, in words; null when nothing is missing.
 * A preview counts only jobs still in the table, so a picked job that is not counted has left the queue.
 */
export function missingReason(target: ActionTarget, matching: number): string | null {
  if (!('ids' in target)) return matching === 0 ? 'No job matches this filter now: there is nothing to act on.' : null;
  const gone = target.ids.length - matching;
  if (gone <= 0) return null;
  const left = 'it finished, or was removed or cancelled, since it was selected';
  if (target.ids.length === 1) return `Job #${target.ids[0]} is no longer in the queue: ${left}.`;
  if (matching === 0)
    return `None of the ${target.ids.length} selected jobs is still in the queue: they finished or were removed since they were selected.`;
  return `${gone} of the ${target.ids.length} selected jobs ${gone === 1 ? 'is' : 'are'} no longer in the queue and will be left out.`;
}

/**
 * The action's call; its progress arrives as `action.progress` events with this `actionId`. `confirmed`: how many
 * jobs the operator confirmed it acts on (the dialog's count); by filter, the engine never acts on more.
 */
export function actionCall(request: ActionRequest, inputs: ActionInputs, actionId: string, confirmed?: number): BulkCall {
  const target: ActionTarget =
    'filter' in request.target && confirmed !== undefined ? { ...request.target, atMost: confirmed } : request.target;
  switch (request.action) {
    case 'retry':
      return {
        name: 'jobs.retry',
        input: {
          target,
          actionId,
          ...(inputs.runAt ? { runAt: inputs.runAt } : {}),
          ...(inputs.perMinute ? { pace: { perMinute: inputs.perMinute } } : {}),
          ...(inputs.transientOnly ? { transientOnly: true } : {}),
        },
      };
    case 'cancel':
      return { name: 'jobs.cancel', input: { target, actionId, ...(request.keepFailed ? { keepFailed: true } : {}) } };
    case 'fail':
      return { name: 'jobs.fail', input: { target, actionId, ...(inputs.message.trim() ? { message: inputs.message.trim() } : {}) } };
    case 'priority':
      return { name: 'jobs.setPriority', input: { target, actionId, priority: inputs.priority } };
    case 'unlock':
      return { name: 'jobs.unlock', input: { target, actionId, force: inputs.force } };
  }
}

import { useState } from 'react';
import { errorMessage } from '../../api/client.ts';
import { useOpMutation } from '../../data/use-op.ts';
import { useToasts } from '../../store/toast-store.ts';
import { cancelFailure, cancelOutcome, type CancelOutcome, type CancelTarget } from './cancel-outcome.ts';

/** At most this many answers stay listed above the workers. */
const KEEP_OUTCOMES = 5;

export interface RunningCancel {
  /** Jobs whose cancel is waiting for an answer (up to 10 s for a worker with the companion), by job id. */
  pending: ReadonlyMap<string, CancelTarget>;
  /** The latest answers, newest first. */
  outcomes: CancelOutcome[];
  cancel: (target: CancelTarget) => void;
  dismiss: (key: string) => void;
}

/**
 * Cancels running jobs from the Workers view through `jobs.cancel` (the operation every view uses), several at
 * once if need be: each job is pending until its answer comes, then the answer is listed and toasted. The
 * workers list is made stale by the write (data/writes.ts), so a cancelled job leaves it.
 */
export function useRunningCancel(): RunningCancel {
  const mutation = useOpMutation('jobs.cancel');
  const [pending, setPending] = useState<ReadonlyMap<string, CancelTarget>>(new Map());
  const [outcomes, setOutcomes] = useState<CancelOutcome[]>([]);
  const push = useToasts((s) => s.push);

  const settle = (jobId: string, outcome: CancelOutcome) => {
    setPending((p) => {
      const rest = new Map(p);
      rest.delete(jobId);
      return rest;
    });
    setOutcomes((list) => [outcome, ...list].slice(0, KEEP_OUTCOMES));
    push(outcome.kind === 'cancelled' ? 'info' : 'error', outcome.title, outcome.message);
  };

  return {
    pending,
    outcomes,
    cancel(target) {
      const id = target.job.jobId;
      setPending((p) => new Map(p).set(id, target));
      // keepFailed: should the job fail for good before the click lands, it is left as it is, not removed.
      void mutation.mutateAsync({ target: { ids: [id] }, keepFailed: true }).then(
        (report) => settle(id, cancelOutcome(report, target)),
        (error: unknown) => settle(id, cancelFailure(errorMessage(error), target)),
      );
    },
    dismiss: (key) => setOutcomes((list) => list.filter((o) => o.key !== key)),
  };
}

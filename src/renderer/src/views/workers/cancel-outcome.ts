import type { BulkActionReport } from '../../../../shared/model/jobs.ts';
import type { RunningJob, WorkerInfo } from '../../../../shared/model/workers.ts';

/** A running job the operator asked to cancel from the Workers view, and where it runs. */
export interface CancelTarget {
  job: RunningJob;
  worker: WorkerInfo;
}

/**
 * How a cancel ended, for the operator at a glance: cancelled; unanswered (no live worker acknowledged in time: the
 * request stays); stopping (acknowledged, the task has not ended yet); refused (it could not be asked, or it ended
 * first); failed (the call itself failed).
 */
export type CancelKind = 'cancelled' | 'unanswered' | 'stopping' | 'refused' | 'failed';

export interface CancelOutcome {
  /** Unique per answer, for React keys and dismissal. */
  key: string;
  jobId: string;
  task: string;
  kind: CancelKind;
  title: string;
  message: string;
}

/** How long the engine waits for a worker with the companion to answer (jobs.cancel, CANCEL_ACK_WAIT_MS). */
export const WORKER_ANSWER_SECONDS = 10;

const key = (jobId: string) => `${jobId}@${performance.now()}`;

/** The answer to one job's cancel, in words. */
export function cancelOutcome(report: BulkActionReport, { job }: CancelTarget): CancelOutcome {
  const subject = `Job #${job.jobId} (${job.task})`;
  if (report.affected > 0) {
    return {
      key: key(job.jobId),
      jobId: job.jobId,
      task: job.task,
      kind: 'cancelled',
      title: `${subject} cancelled`,
      message: 'It ended as cancelled and will not be retried.',
    };
  }
  const reason = report.skippedByReason[0]?.reason ?? 'it was not found';
  const kind: CancelKind = reason.startsWith('no live worker acknowledged')
    ? 'unanswered'
    : reason.startsWith('its worker') && /not ended yet|ignores its abort signal/.test(reason)
      ? 'stopping'
      : 'refused';
  const title =
    kind === 'unanswered'
      ? `${subject}: no answer from its worker`
      : kind === 'stopping'
        ? `${subject} is stopping`
        : `${subject} not cancelled`;
  return { key: key(job.jobId), jobId: job.jobId, task: job.task, kind, title, message: capitalise(reason) };
}

export function cancelFailure(message: string, { job }: CancelTarget): CancelOutcome {
  return {
    key: key(job.jobId),
    jobId: job.jobId,
    task: job.task,
    kind: 'failed',
    title: `Job #${job.jobId} (${job.task}) not cancelled`,
    message,
  };
}

/** Why a running job of this worker cannot be cancelled from here, or null when it can. */
export function cancelUnavailable(worker: WorkerInfo, blocked: string | null): string | null {
  if (blocked) return blocked;
  if (worker.source === 'watched')
    return 'No Jobdeck companion in this worker: a running job cannot be stopped there; cancel it once it ends';
  if (isHolding(worker))
    return `This worker is ${worker.liveness}: its jobs run nowhere, and nothing would answer a cancel. Unlock them in the Stuck view (they run again), or cancel them there.`;
  return null;
}

/** A worker that is gone or stopped yet still holds jobs: they run nowhere until unlocked. */
export const isHolding = (worker: WorkerInfo) => worker.liveness === 'gone' || worker.liveness === 'stopped';

/** What the confirmation says will happen. */
export function cancelExplanation(worker: WorkerInfo): string {
  if (worker.source === 'hosted') return "This console's runner aborts the job's signal: the job ends as cancelled and is not retried.";
  return (
    `Jobdeck asks the worker to stop it (a request in jobdeck.cancel_requests and a notification): the worker aborts the job's ` +
    `signal, and the job ends as cancelled and is not retried. Jobdeck waits up to ${WORKER_ANSWER_SECONDS} s for the worker's answer.`
  );
}

/** The engine's reason as a sentence: capitalised, ending with a full stop. */
const capitalise = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`;

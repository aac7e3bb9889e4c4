import type { RunningJob, WorkerInfo } from '../../../../shared/model/workers.ts';
import { formatAge, formatDateTime } from '../../format.ts';
import { href } from '../../router.ts';
import { cancelUnavailable, isHolding, WORKER_ANSWER_SECONDS, type CancelTarget } from './cancel-outcome.ts';

/** How many running jobs a row lists before "and N more". */
const SHOWN = 8;

export interface RunningJobsProps {
  worker: WorkerInfo;
  now: number;
  /** Why actions are refused on this connection (read-only...), or null. */
  blocked: string | null;
  pending: ReadonlyMap<string, CancelTarget>;
  onCancel: (target: CancelTarget) => void;
}

/** The jobs a worker runs now: job, task, for how long, and a Cancel button (or why there is none). */
export function RunningJobs({ worker, now, blocked, pending, onCancel }: RunningJobsProps) {
  if (worker.running.length === 0) return <span className="muted">idle</span>;
  const unavailable = cancelUnavailable(worker, blocked);
  const holding = isHolding(worker);
  return (
    <>
      {holding && (
        <div className="worker-held warn-text" data-testid="worker-held-note">
          Held, not running: this worker is {worker.liveness}, and nothing would answer a cancel.{' '}
          <a href={href('stuck')}>Unlock or cancel its jobs in the Stuck view</a>
        </div>
      )}
      <ul className="worker-jobs">
        {worker.running.slice(0, SHOWN).map((job) => (
          <JobLine
            key={job.jobId}
            job={job}
            now={now}
            held={holding}
            unavailable={unavailable}
            pending={pending.has(job.jobId)}
            onCancel={() => onCancel({ job, worker })}
          />
        ))}
        {worker.running.length > SHOWN && <li className="muted">and {worker.running.length - SHOWN} more</li>}
      </ul>
      {worker.source === 'watched' && !blocked && (
        <div className="worker-note" data-testid="worker-cancel-note">
          No companion: its running jobs cannot be stopped from here.
        </div>
      )}
    </>
  );
}

function JobLine(props: {
  job: RunningJob;
  now: number;
  held: boolean;
  unavailable: string | null;
  pending: boolean;
  onCancel: () => void;
}) {
  const { job, now, held, unavailable, pending } = props;
  return (
    <li className="worker-job" data-testid={`running-${job.jobId}`}>
      <a className="worker-job-id" href={href(`jobs/${job.jobId}`)}>
        #{job.jobId}
      </a>
      <a className="worker-job-task" href={href('jobs', { task: job.task })} title={`Open the jobs of ${job.task}`}>
        {job.task}
      </a>
      <span className="worker-job-age" title={`Taken at ${formatDateTime(job.since)}`} data-testid="running-age">
        {held ? 'held ' : ''}
        {formatAge(Math.max(0, now - Date.parse(job.since)))}
      </span>
      {pending ? (
        <span className="worker-job-pending" data-testid="cancel-pending" title={`Waiting up to ${WORKER_ANSWER_SECONDS} s for its worker`}>
          <span className="spinner" aria-hidden="true" /> cancelling…
        </span>
      ) : (
        <button
          className="btn btn-xs btn-danger-text"
          disabled={!!unavailable}
          title={unavailable ?? `Cancel job #${job.jobId}: it ends as cancelled, not retried`}
          onClick={props.onCancel}
          data-testid={`cancel-${job.jobId}`}
        >
          Cancel
        </button>
      )}
    </li>
  );
}

import { useState } from 'react';
import { errorMessage } from '../../api/client.ts';
import { useOp } from '../../data/use-op.ts';
import type { JobAction, JobDetail } from '../../../../shared/model/jobs.ts';
import { formatCount } from '../../format.ts';
import { href } from '../../router.ts';
import { ActionButtons } from './ActionButtons.tsx';
import { ActionDialog } from './ActionDialog.tsx';
import { AttemptsSeen } from './AttemptsSeen.tsx';
import { JobFacts } from './JobFacts.tsx';
import { QueueJobsDialog } from './QueueJobsDialog.tsx';
import type { ActionRequest } from './job-actions.ts';

/** Why an action does not apply to this job now, or null when it does. */
function notApplicable(job: JobDetail): Partial<Record<JobAction, string | null>> {
  if (job.gone) {
    const gone = 'The job is no longer in the database';
    return { retry: gone, cancel: gone, fail: gone, priority: gone, unlock: gone };
  }
  // A running job can be cancelled when this console's runner or a worker with the companion runs it.
  const unreachable = job.lockedBy && !job.runningHere && job.holder !== 'companion' && job.holder !== 'hosted';
  return {
    retry: job.lockedBy ? 'A worker holds this job: retry it after it ends' : null,
    cancel: unreachable
      ? 'Running in another process without the Jobdeck companion: a running job cannot be stopped there; cancel it once it ends'
      : null,
    fail: job.lockedBy
      ? 'A worker holds this job: mark it failed after it ends'
      : job.state === 'failed'
        ? 'Already permanently failed: no attempt is left'
        : null,
    priority: job.lockedBy ? 'A worker holds this job' : null,
    unlock: !job.lockedBy ? 'Not locked' : job.runningHere ? "This console's runner holds it: cancel it instead" : null,
  };
}

/** How a job ended that makes its last error an earlier attempt's. */
const THEN_ENDED: Partial<Record<NonNullable<JobDetail['outcome']>, string>> = {
  succeeded: 'the job then succeeded',
  cancelled: 'the job was then cancelled',
};

/** How often a job still in the queue is read again (one row by id). */
const LIVE_REFRESH_MS = 2_000;
/** How long after a job left the queue its worker's account of the end may still be on its way (the reader's longest wait). */
const ACCOUNT_PENDING_MS = 60_000;

/**
 * Whether the job may still change: it is in the queue, or it left it a moment ago and the account of how it ended
 * (its worker, duration, attempts: flushed by the companion, then read) has not come yet. A running job cancelled
 * from its page is gone at once, and the page stayed on "No attempt recorded by Jobdeck yet".
 */
function changing(job: JobDetail): boolean {
  if (!job.gone) return true;
  return job.worker === null && Date.parse(job.dbNow) - Date.parse(job.endedAt ?? job.dbNow) < ACCOUNT_PENDING_MS;
}

/** One job in full: its columns, payload, the whole last error (as text), what Jobdeck saw of its attempts, and actions. */
export function JobDetailView({ id }: { id: string }) {
  // Actions on it make it stale and read it again (data/writes.ts). While it is in the queue it changes by itself
  // (a worker takes it, it fails or succeeds): read again every few seconds, or it shows a retry long since done.
  const query = useOp(
    'jobs.get',
    { id },
    { refetchInterval: (q) => (q.state.data && !q.state.error && changing(q.state.data) ? LIVE_REFRESH_MS : false) },
  );
  const job = query.data ?? null;
  const error = query.error ? errorMessage(query.error) : null;
  const [request, setRequest] = useState<ActionRequest | null>(null);
  const [queueAgain, setQueueAgain] = useState(false);

  // A read that fails after the job was shown (the database away a moment) keeps the page, with the error above it.
  if (error && !job) {
    return (
      <div className="view-empty" data-testid="job-detail-error">
        <h1>Job #{id}</h1>
        <p>{error}</p>
        <a className="btn" href={href('jobs')}>
          Back to jobs
        </a>
      </div>
    );
  }
  if (!job) return <div className="view-loading">Loading job #{id}…</div>;
  const now = Date.parse(job.dbNow);

  return (
    <div className="job-detail" data-testid="job-detail" data-state={job.gone ? job.snapshotState : job.state}>
      <div className="view-head">
        <a href="#/jobs" onClick={(e) => (history.length > 1 ? (e.preventDefault(), history.back()) : undefined)}>
          ← Jobs
        </a>
        <h1>
          Job <span className="mono">#{job.id}</span> <span className="dim mono">{job.task}</span>
        </h1>
        <button className="btn btn-ghost" onClick={() => void query.refetch()}>
          Refresh
        </button>
      </div>
      {error && (
        <div className="banner banner-warning" data-testid="job-read-error">
          <span>Could not read this job again: {error}. Shown as last read; Refresh tries again.</span>
        </div>
      )}
      {job.gone && (
        <div className="banner banner-info" data-testid="job-gone">
          <span>No longer in the database: shown from Jobdeck's snapshot ({job.snapshotState ?? 'last seen'}).</span>
        </div>
      )}
      {job.lockedBy && !job.runningHere && job.holder === 'companion' && !job.gone && (
        <div className="banner banner-info" data-testid="job-running-companion">
          <span>
            Running in a worker with the Jobdeck companion (<span className="mono">{job.lockedBy}</span>): Cancel asks it to stop the job,
            which then ends as cancelled instead of being retried. Jobdeck waits up to 10 s for the worker's answer.
          </span>
        </div>
      )}
      {job.lockedBy && !job.runningHere && job.holder !== 'companion' && job.holder !== 'hosted' && !job.gone && (
        <div className="banner banner-warning" data-testid="job-locked-elsewhere">
          <span>
            Running in another process (<span className="mono">{job.lockedBy}</span>) without the Jobdeck companion: a running job cannot be
            stopped there. Once it ends you can cancel it, mark it failed or retry it; if that process is gone, Unlock releases it.
          </span>
        </div>
      )}
      {job.runningHere && (
        <div className="banner banner-info" data-testid="job-running-here">
          <span>Running in this console's runner: Cancel aborts it, and it ends as cancelled instead of being retried.</span>
        </div>
      )}
      <section className="panel">
        <div className="panel-head">
          <ActionButtons
            testPrefix="job-action"
            offer={notApplicable(job)}
            onAction={(action) =>
              setRequest({
                action,
                target: { ids: [job.id] },
                subject: `job #${job.id}`,
                // Seen running: a Cancel means "stop it", never "remove it" should it fail for good meanwhile.
                keepFailed: action === 'cancel' && job.state === 'running',
              })
            }
          />
        </div>
        <JobFacts job={job} now={now} />
      </section>
      <div className="detail-grid">
        <section className="panel">
          <div className="panel-head">
            <h2>Last error</h2>
            <span className="panel-note">
              {job.lastError !== null && job.outcome && THEN_ENDED[job.outcome]
                ? `an earlier attempt’s: ${THEN_ENDED[job.outcome]} · `
                : ''}
              {job.lastError === null
                ? 'none'
                : job.errorLength > job.lastError.length
                  ? `first ${formatCount(job.lastError.length)} of ${formatCount(job.errorLength)} characters`
                  : `${formatCount(job.errorLength)} characters`}
            </span>
          </div>
          <pre className="code-block error-block" data-testid="job-last-error">
            {job.lastError ?? ''}
          </pre>
        </section>
        <section className="panel">
          <div className="panel-head">
            <h2>Payload</h2>
            {job.gone && job.payload !== null && !job.payloadTruncated && (
              <button className="btn btn-small" data-testid="job-queue-again" onClick={() => setQueueAgain(true)}>
                Queue again…
              </button>
            )}
            {job.payloadTruncated && (
              <span className="panel-note warn-text">too large to show in full: the first {job.gone ? '16' : '256'} KiB</span>
            )}
          </div>
          <pre className="code-block" data-testid="job-payload">
            {job.payload ?? 'Not kept: Jobdeck keeps the payload of the jobs cancelled from it, not of those that ran to their end.'}
          </pre>
        </section>
      </div>
      <section className="panel">
        <div className="panel-head">
          <h2>Attempts Jobdeck has seen</h2>
          <span className="panel-note">
            graphile-worker keeps only the last error; Jobdeck keeps every attempt reported to it and every failure it sees
          </span>
        </div>
        <AttemptsSeen attempts={job.attemptsSeen} />
      </section>
      {request && <ActionDialog request={request} onClose={() => setRequest(null)} />}
      {queueAgain && job.payload !== null && (
        <QueueJobsDialog
          open
          onClose={() => setQueueAgain(false)}
          initial={{ task: job.task, queue: job.queue ?? '', payload: job.payload }}
        />
      )}
    </div>
  );
}

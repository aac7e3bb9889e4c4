import type { BulkActionReport, JobAction } from '../../../../shared/model/jobs.ts';
import type { UnlockReport } from '../../../../shared/model/stuck.ts';
import { JOB_ACTION_LABELS } from '../../../../shared/model/jobs.ts';
import { countOf, formatCount, formatDateTime, formatDuration, shortPoolId } from '../../format.ts';
import { href } from '../../router.ts';

/** The pools released before the action (the Stuck view's actions on jobs held by pools that are gone). */
function UnlockNote({ unlock }: { unlock: UnlockReport }) {
  return (
    <div className="report-unlock" data-testid="report-unlock">
      <span>
        First unlocked {countOf(unlock.jobsUnlocked, 'job')} and {countOf(unlock.queuesUnlocked, 'queue')}
        {unlock.poolIds.length > 0 && (
          <>
            {' '}
            held by {unlock.poolIds.length === 1 ? 'pool' : 'pools'}{' '}
            <span className="mono" title={unlock.poolIds.join(', ')}>
              {unlock.poolIds.map(shortPoolId).join(', ')}
            </span>
          </>
        )}
        {unlock.jobsExhausted > 0 && (
          <span className="warn-text"> · {formatCount(unlock.jobsExhausted)} out of attempts (now permanently failed)</span>
        )}
      </span>
      {unlock.refused.map((r) => (
        <span key={r.poolId} className="warn-text">
          Pool{' '}
          <span className="mono" title={r.poolId}>
            {shortPoolId(r.poolId)}
          </span>{' '}
          refused: {r.reason}
        </span>
      ))}
    </div>
  );
}

/** What became of one job an action changed, in words: the figures alone ("1 changed") did not say how it ended. */
const ONE_JOB_OUTCOME: Record<JobAction, string> = {
  retry: 'will run again: its attempts start afresh',
  cancel: 'is cancelled: it ends as cancelled and is not retried (its page keeps its payload, to queue it again)',
  fail: 'is permanently failed: it will not run again unless retried',
  priority: 'has its new priority',
  unlock: 'is unlocked: a worker takes it again',
};

/** What an action did: how many jobs it changed, and which it skipped and why. */
export function ActionReportView({ report }: { report: BulkActionReport }) {
  const oneJob = report.requested === 1 && report.affected === 1 ? report.affectedSample[0] : undefined;
  return (
    <div className="action-report" data-testid="action-report">
      {oneJob && (
        <p className="report-outcome" data-testid="report-outcome">
          Job #{oneJob} {ONE_JOB_OUTCOME[report.action]}.
        </p>
      )}
      {report.unlock && <UnlockNote unlock={report.unlock} />}
      {report.release && (
        <div className="report-release" data-testid="report-release">
          Released at {formatCount(report.release.perMinute)} a minute: the first runs at {formatDateTime(report.release.first)}, the last
          at {formatDateTime(report.release.last)}. Their run at times in the job list show the schedule.
        </div>
      )}
      <div className="report-figures">
        <div>
          <span className="report-value ok" data-testid="report-affected">
            {formatCount(report.affected)}
          </span>
          <span className="dim">changed</span>
        </div>
        <div>
          <span className={report.skipped ? 'report-value warn' : 'report-value zero'} data-testid="report-skipped">
            {formatCount(report.skipped)}
          </span>
          <span className="dim">skipped</span>
        </div>
        <div>
          <span className="report-value">{formatCount(report.requested)}</span>
          <span className="dim">asked</span>
        </div>
        <div className="dim report-time">
          {JOB_ACTION_LABELS[report.action]} · {formatDuration(report.durationMs)}
          {/* The separator stays with its link: a wrap never leaves it dangling at the end of a line. */}
          {report.auditId > 0 && (
            <span className="report-audit">
              {' · '}
              <a href={href('audit')}>audit #{report.auditId}</a>
            </span>
          )}
        </div>
      </div>
      {report.skippedByReason.length > 0 && (
        <ul className="skip-reasons" data-testid="report-reasons">
          {report.skippedByReason.map((r) => (
            <li key={r.reason}>
              <span className="num strong">{formatCount(r.count)}</span> {r.reason}
              <span className="dim">
                {' '}
                — e.g.{' '}
                {r.sampleIds.map((id, i) => (
                  <span key={id}>
                    {i > 0 && ', '}
                    <a href={href(`jobs/${id}`)}>#{id}</a>
                  </span>
                ))}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

import type { RecoveryReport } from '../../../../shared/model/stuck.ts';
import { formatClock } from '../../format.ts';

const TRIGGERS: Record<RecoveryReport['trigger'], string> = {
  startup: 'At start-up',
  operator: 'On request',
  auto: 'Automatically',
};

/** What the last crash recovery found and did, or why it could not run. */
export function RecoveryNote({ report }: { report: RecoveryReport | null }) {
  if (!report)
    return (
      <span className="dim" data-testid="recovery-note">
        No recovery has run in this session yet.
      </span>
    );
  const when = `${TRIGGERS[report.trigger]} (${formatClock(report.at)})`;
  if (report.error) {
    return (
      <span className="warn-text" data-testid="recovery-note">
        {when}: {report.error}
      </span>
    );
  }
  if (report.jobsUnlocked === 0 && report.queuesUnlocked === 0) {
    const checked = report.poolsFound ? ` (${report.poolsFound} earlier runner pool${report.poolsFound === 1 ? '' : 's'} checked)` : '';
    return (
      <span className="dim" data-testid="recovery-note">
        {when}: no earlier runner of this Jobdeck left anything locked{checked}.
      </span>
    );
  }
  if (report.trigger === 'auto') {
    return (
      <span data-testid="recovery-note">
        {when}: {report.poolsFound} worker pool{report.poolsFound === 1 ? '' : 's'} known gone; unlocked {report.jobsUnlocked} job
        {report.jobsUnlocked === 1 ? '' : 's'} and {report.queuesUnlocked} queue{report.queuesUnlocked === 1 ? '' : 's'};{' '}
        {report.jobsRequeued} requeued
        {report.jobsExhausted > 0 && `, ${report.jobsExhausted} out of attempts (retry them below)`}.
      </span>
    );
  }
  return (
    <span data-testid="recovery-note">
      {when}: found {report.poolsFound} gone runner pool{report.poolsFound === 1 ? '' : 's'} of this Jobdeck; unlocked {report.jobsUnlocked}{' '}
      job
      {report.jobsUnlocked === 1 ? '' : 's'} and {report.queuesUnlocked} queue{report.queuesUnlocked === 1 ? '' : 's'};{' '}
      {report.jobsRequeued} requeued
      {report.jobsExhausted > 0 && `, ${report.jobsExhausted} out of attempts (retry them below)`}.
    </span>
  );
}

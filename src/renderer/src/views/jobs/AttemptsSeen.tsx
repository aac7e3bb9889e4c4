import type { JobAttempt } from '../../../../shared/model/jobs.ts';
import { formatDateTime, formatDuration, shortPoolId } from '../../format.ts';
import { Fragment } from 'react';
import { AttemptUsageCell, RawOutput } from './AttemptUsage.tsx';
import { attemptRecounts } from './jobs-format.ts';

const SOURCES: Record<JobAttempt['source'], string> = {
  runner: "this console's runner",
  companion: 'reported by the companion',
  watch: 'seen by the database watcher',
};

/** The attempts of this job Jobdeck has recorded (its SQLite history): graphile-worker keeps only the last error. */
export function AttemptsSeen({ attempts }: { attempts: JobAttempt[] }) {
  if (attempts.length === 0) {
    return (
      <p className="dim pad">
        No attempt recorded by Jobdeck yet: the hosted runner and the companion report every attempt, the watcher the failures it sees.
      </p>
    );
  }
  const recounts = attemptRecounts(attempts);
  return (
    <table className="job-attempts" data-testid="attempts-seen">
      <thead>
        <tr>
          <th>#</th>
          <th>When</th>
          <th>Outcome</th>
          <th>Duration</th>
          <th>Pool</th>
          <th>Model · tokens · cost</th>
          <th>Error</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((a, i) => (
          <Fragment key={`${a.attempt}-${a.at}-${i}`}>
            {recounts.has(i) && (
              <tr className="attempts-recount" data-testid="attempts-recount">
                <td colSpan={7} className="dim">
                  Retried: its attempts are counted again from {a.attempt}
                </td>
              </tr>
            )}
            <tr data-outcome={a.outcome}>
              <td className="num">{a.attempt ?? '—'}</td>
              <td className="nowrap attempt-when">{formatDateTime(a.at)}</td>
              <td>{a.outcome}</td>
              <td className="num nowrap">{a.durationMs === null ? '—' : formatDuration(a.durationMs)}</td>
              <td className="mono" title={[a.poolId, a.host, SOURCES[a.source]].filter(Boolean).join(' · ')}>
                {a.poolId ? shortPoolId(a.poolId) : 'watcher'}
                {a.host ? <span className="dim"> {a.host}</span> : null}
              </td>
              <td>
                <AttemptUsageCell usage={a.usage} />
              </td>
              <td className="mono attempt-error" title={a.outcome === 'cancelled' ? 'Why it was cancelled' : undefined}>
                {a.error ?? ''}
                <RawOutput text={a.rawOutput} />
              </td>
            </tr>
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

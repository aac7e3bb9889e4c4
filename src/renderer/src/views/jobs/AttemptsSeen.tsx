import type { JobAttempt } from '../../../../shared/model/jobs.ts';
import { formatDateTime, shortPoolId } from '../../format.ts';

/** The attempts of this job Jobdeck has recorded (its SQLite history): graphile-worker keeps only the last error. */
export function AttemptsSeen({ attempts }: { attempts: JobAttempt[] }) {
  if (attempts.length === 0) {
    return <p className="dim pad">No attempt recorded by Jobdeck yet: its history starts when it first sees a job fail.</p>;
  }
  return (
    <table className="attempts-table" data-testid="attempts-seen">
      <thead>
        <tr>
          <th>#</th>
          <th>When</th>
          <th>Outcome</th>
          <th>Duration</th>
          <th>Pool</th>
          <th>Error</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((a, i) => (
          <tr key={`${a.attempt}-${a.at}-${i}`}>
            <td className="num">{a.attempt ?? '—'}</td>
            <td>{formatDateTime(a.at)}</td>
            <td>{a.outcome}</td>
            <td className="num">{a.durationMs === null ? '—' : `${a.durationMs} ms`}</td>
            <td className="mono">{shortPoolId(a.poolId)}</td>
            <td className="mono attempt-error">{a.error ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

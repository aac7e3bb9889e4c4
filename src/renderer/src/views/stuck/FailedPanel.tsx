import { href } from '../../router.ts';
import { BUILTIN_ERROR_TYPES } from '../../../../shared/errors/index.ts';
import type { FailedGroup } from '../../../../shared/model/stuck.ts';
import { formatAgo, formatCount } from '../../format.ts';
import { CANCEL_QUESTION } from './stuck-actions.ts';
import type { Act } from './confirm.ts';
import { VerdictBadge } from '../../components/VerdictBadge.tsx';

const TYPES = new Map<string, { label: string; color: string; description: string }>(BUILTIN_ERROR_TYPES.map((t) => [t.type, t]));

/** Permanently failed jobs by task and error type, with the ways out: retry now, retry in an hour, cancel. */
export function FailedPanel({ groups, act, now }: { groups: FailedGroup[]; act: Act; now: number }) {
  return (
    <section className="panel" data-testid="stuck-failed">
      <div className="panel-head">
        <h2>Permanently failed</h2>
        <span className="panel-note">Out of attempts: graphile-worker keeps them forever until they are retried or removed.</span>
      </div>
      {groups.length === 0 ? (
        <div className="table-empty">No permanently failed jobs.</div>
      ) : (
        <table className="stuck-table">
          <thead>
            <tr>
              <th>Task</th>
              <th>Error type</th>
              <th>Retry</th>
              <th className="num">Jobs</th>
              <th>Example</th>
              <th className="num">Last failure</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => {
              const type = TYPES.get(g.errorType);
              // Never more than the count shown: jobs that fail into the group meanwhile are left and reported.
              const target = { kind: 'failed', task: g.task, errorType: g.errorType, atMost: g.count } as const;
              const subject = `${formatCount(g.count)} failed ${g.task} ${g.count === 1 ? 'job' : 'jobs'} (${type?.label ?? g.errorType})`;
              // Every retry of a failed group is asked first: each is another paid attempt per job. What its error type says
              // will fail again is retried whole if the operator insists; otherwise each job's own attempts decide, and
              // those that failed the same way every time are left out (transientOnly), as the Jobs view's retry does.
              const permanent = g.verdict === 'permanent';
              const question = permanent
                ? {
                    body: `${type?.label ?? g.errorType}: retrying as is won't help. Each retry is another attempt (another paid LLM call) that fails the same way unless the task or its input changed.`,
                    confirmLabel: 'Retry anyway',
                  }
                : {
                    body: `Jobs whose own attempts say a retry won't help (the same error on every attempt) are left out and listed in the report: retry those from their jobs if you mean to. Each retry is another attempt (another paid LLM call).`,
                    confirmLabel: 'Retry',
                  };
              const transientOnly = !permanent;
              return (
                <tr key={`${g.task}/${g.errorType}`} data-testid={`failed-${g.task}-${g.errorType}`}>
                  <td>
                    <a className="mono" href={href('jobs', { task: g.task })} title="Open this task's jobs">
                      {g.task}
                    </a>
                  </td>
                  <td title={type?.description}>
                    <span className="stuck-type" style={{ ['--type-color' as string]: type?.color ?? '#8a8f98' }}>
                      {type?.label ?? g.errorType}
                    </span>
                  </td>
                  <td>
                    <VerdictBadge verdict={g.verdict} reason={`by its error type (${type?.label ?? g.errorType})`} />
                  </td>
                  <td className="num">
                    <a
                      className="num-link"
                      href={href('jobs', { task: g.task, state: 'failed', errorType: g.errorType })}
                      data-testid={`failed-count-${g.task}-${g.errorType}`}
                      title="Open these permanently failed jobs"
                    >
                      {formatCount(g.count)}
                    </a>
                  </td>
                  {/* last_error is the user's text: rendered as text, bounded by the engine, clipped here. */}
                  <td className="mono stuck-error" title={g.sampleError}>
                    {g.sampleError || '(no message)'}
                  </td>
                  <td className="num dim">{formatAgo(now - Date.parse(g.lastFailedAt))}</td>
                  <td className="stuck-actions">
                    <button
                      className="btn"
                      onClick={() => act({ kind: 'retry', target, label: 'Retry now', subject, question, transientOnly })}
                      data-testid={`retry-failed-${g.task}-${g.errorType}`}
                    >
                      Retry now
                    </button>
                    <button
                      className="btn"
                      onClick={() =>
                        act({
                          kind: 'retry',
                          target,
                          runAt: new Date(Date.now() + 3_600_000).toISOString(),
                          label: 'Retry in 1 h',
                          subject,
                          question,
                          transientOnly,
                        })
                      }
                    >
                      Retry in 1 h
                    </button>
                    <button
                      className="btn btn-danger-text"
                      data-testid={`cancel-failed-${g.task}-${g.errorType}`}
                      onClick={() => act({ kind: 'cancel', target, label: 'Cancel', subject, question: CANCEL_QUESTION })}
                    >
                      Cancel
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

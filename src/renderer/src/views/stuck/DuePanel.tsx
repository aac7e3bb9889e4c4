import { href } from '../../router.ts';
import type { DueGroup } from '../../../../shared/model/stuck.ts';
import { formatAge, formatCount } from '../../format.ts';
import { CANCEL_QUESTION } from './stuck-actions.ts';
import type { Act } from './confirm.ts';

const VERDICTS: Record<DueGroup['verdict'], { label: string; hint: string }> = {
  'no-worker': {
    label: 'No worker',
    hint: 'Due for over a minute and none of its jobs runs: probably no running worker supports this task. Deploy or start one that does, or cancel.',
  },
  overdue: { label: 'Overdue', hint: 'Workers take these jobs, but the oldest due one has waited over 10 minutes: a backlog.' },
};

/** Due jobs nobody picks up: a task no running worker supports, or a backlog far past run_at. */
export function DuePanel({ groups, act }: { groups: DueGroup[]; act: Act }) {
  return (
    <section className="panel" data-testid="stuck-due">
      <div className="panel-head">
        <h2>Due but not picked up</h2>
        <span className="panel-note">Judged from the queue: a task with due jobs and none running.</span>
      </div>
      {groups.length === 0 ? (
        <div className="table-empty">Every due job is being picked up.</div>
      ) : (
        <table className="stuck-table">
          <thead>
            <tr>
              <th>Task</th>
              <th>Verdict</th>
              <th className="num">Due</th>
              <th className="num">Running</th>
              <th className="num">Oldest waits</th>
              <th>Jobdeck's runner</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr key={g.task} data-testid={`due-${g.task}`}>
                <td>
                  <a className="mono" href={href('jobs', { task: g.task })} title="Open this task's jobs">
                    {g.task}
                  </a>
                </td>
                <td title={VERDICTS[g.verdict].hint}>
                  <span className={g.verdict === 'no-worker' ? 'badge stuck-live-gone' : 'badge stuck-live-probably-gone'}>
                    {VERDICTS[g.verdict].label}
                  </span>
                </td>
                <td className="num">
                  <a
                    className="num-link"
                    href={href('jobs', { task: g.task, state: 'ready' })}
                    data-testid={`due-count-${g.task}`}
                    title="Open these due jobs"
                  >
                    {formatCount(g.due)}
                  </a>
                </td>
                <td className="num">
                  {g.running ? (
                    <a className="num-link" href={href('jobs', { task: g.task, state: 'running' })} title="Open these running jobs">
                      {formatCount(g.running)}
                    </a>
                  ) : (
                    formatCount(g.running)
                  )}
                </td>
                <td className="num warn-text">{formatAge(g.waitingMs)}</td>
                <td className="dim">
                  {g.hostedSupports === null ? 'not running' : g.hostedSupports ? 'supports it' : 'does not support it'}
                </td>
                <td className="stuck-actions">
                  <button
                    className="btn btn-danger-text"
                    data-testid={`cancel-due-${g.task}`}
                    onClick={() =>
                      act({
                        kind: 'cancel',
                        target: { kind: 'due', task: g.task, atMost: g.due },
                        label: 'Cancel',
                        subject: `${formatCount(g.due)} due ${g.task} ${g.due === 1 ? 'job' : 'jobs'}`,
                        question: CANCEL_QUESTION,
                      })
                    }
                  >
                    Cancel
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

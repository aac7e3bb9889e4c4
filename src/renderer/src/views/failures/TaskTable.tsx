import type { TaskFigures } from '../../../../shared/model/history.ts';
import type { ErrorTypeInfo } from '../../../../shared/errors/index.ts';
import { formatCount, formatPercent } from '../../format.ts';
import { PauseControl } from '../../components/PauseControl.tsx';
import { BreakerControl } from '../../components/BreakerControl.tsx';
import { href } from '../../router.ts';
import { jobsOfTypeHref } from './type-info.ts';

interface Props {
  tasks: TaskFigures[];
  info: (type: string) => ErrorTypeInfo;
  selected: string | null;
  /** The Failures view narrowed to a task (or to every task, for null): a link, so it can be opened apart or shared. */
  taskHref: (task: string | null) => string;
}

/** Per task: successes, failed attempts, success rate and the mix of error types; a click narrows the view to it. */
export function TaskTable({ tasks, info, selected, taskHref }: Props) {
  if (tasks.length === 0) return <div className="table-empty">No runs recorded in this window.</div>;
  return (
    <div className="table-scroll">
      <table className="counts-table plain-head" data-testid="failure-task-table">
        <thead>
          <tr>
            <th className="name-col">Task</th>
            <th>Succeeded</th>
            <th>Failed attempts</th>
            <th>Success rate</th>
            <th className="mix-col">Error types</th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => {
            const total = t.successes + t.failures;
            return (
              <tr key={t.task} className={selected === t.task ? 'selected' : undefined}>
                <td className="name-col">
                  <a
                    className="mono"
                    href={taskHref(selected === t.task ? null : t.task)}
                    title={selected === t.task ? 'Show every task' : 'Show only this task'}
                    data-testid={`failure-task-${t.task}`}
                  >
                    {t.task}
                  </a>
                  <PauseControl kind="task" name={t.task} compact />
                  <BreakerControl kind="task" name={t.task} compact />
                </td>
                <td className="num">{formatCount(t.successes)}</td>
                <td className={t.failures ? 'num hot' : 'num zero'}>
                  {t.failures ? (
                    <a
                      className="num-link"
                      href={href('jobs', { task: t.task, state: 'retrying,failed' })}
                      title="Open this task's jobs waiting to retry or permanently failed"
                      data-testid={`failure-count-${t.task}`}
                    >
                      {formatCount(t.failures)}
                    </a>
                  ) : (
                    formatCount(t.failures)
                  )}
                </td>
                <td className="num">{total ? formatPercent(t.successes / total) : '—'}</td>
                <td className="mix-col">
                  <span className="type-mix" title={t.byType.map((b) => `${info(b.type).label}: ${b.count}`).join('\n')}>
                    {t.byType.map((b) => (
                      <a
                        key={b.type}
                        href={jobsOfTypeHref(b.type, t.task)}
                        aria-label={`${info(b.type).label}: ${b.count} failed attempts; open these jobs`}
                        style={{ flexGrow: b.count, background: info(b.type).color }}
                      />
                    ))}
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

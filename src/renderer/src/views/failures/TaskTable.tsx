import type { TaskFigures } from '../../../../shared/model/history.ts';
import type { ErrorTypeInfo } from '../../../../shared/errors/index.ts';
import { formatCount, formatPercent } from '../../format.ts';
import { PauseControl } from '../../components/PauseControl.tsx';
import { BreakerControl } from '../../components/BreakerControl.tsx';

interface Props {
  tasks: TaskFigures[];
  info: (type: string) => ErrorTypeInfo;
  selected: string | null;
  onSelect: (task: string | null) => void;
}

/** Per task: successes, failed attempts, success rate and the mix of error types; a click narrows the view to it. */
export function TaskTable({ tasks, info, selected, onSelect }: Props) {
  if (tasks.length === 0) return <div className="table-empty">No runs recorded in this window.</div>;
  return (
    <div className="table-scroll">
      <table className="counts-table" data-testid="failure-task-table">
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
                  <button
                    className="link-btn mono"
                    onClick={() => onSelect(selected === t.task ? null : t.task)}
                    title="Show only this task"
                  >
                    {t.task}
                  </button>
                  <PauseControl kind="task" name={t.task} compact />
                  <BreakerControl kind="task" name={t.task} />
                </td>
                <td className="num">{formatCount(t.successes)}</td>
                <td className={t.failures ? 'num hot' : 'num zero'}>{formatCount(t.failures)}</td>
                <td className="num">{total ? formatPercent(t.successes / total) : '—'}</td>
                <td className="mix-col">
                  <span className="type-mix" title={t.byType.map((b) => `${info(b.type).label}: ${b.count}`).join('\n')}>
                    {t.byType.map((b) => (
                      <span key={b.type} style={{ flexGrow: b.count, background: info(b.type).color }} />
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

import type { TypeCount } from '../../../../shared/model/history.ts';
import type { ErrorTypeInfo } from '../../../../shared/errors/index.ts';
import { formatCount, formatPercent } from '../../format.ts';
import { jobsOfTypeHref } from './type-info.ts';
import { typeVerdictKind } from '../../../../shared/errors/index.ts';
import { VerdictBadge } from '../../components/VerdictBadge.tsx';

interface Props {
  byType: TypeCount[];
  info: (type: string) => ErrorTypeInfo;
  /** The task the view is narrowed to: the bars open that task's jobs of each type. */
  task?: string | null;
}

/** Failed attempts by error type, largest first; each row opens the job explorer filtered to that type. */
export function TypeBars({ byType, info, task }: Props) {
  const total = byType.reduce((n, t) => n + t.count, 0);
  const max = Math.max(1, ...byType.map((t) => t.count));
  if (total === 0) return <div className="chart-empty">No failed attempts in this window.</div>;
  return (
    <ol className="type-bars" data-testid="type-bars">
      {byType.map((t) => {
        const i = info(t.type);
        return (
          <li key={t.type}>
            <a
              className="type-bar-row"
              href={jobsOfTypeHref(t.type, task)}
              title={`${i.description} Open the jobs still in the database whose last error is of this type, to retry or remove them.`}
              data-testid={`type-bar-${t.type}`}
            >
              <span className="type-bar-label">
                <span className="swatch" style={{ background: i.color }} />
                {i.label}
              </span>
              <span className="type-bar-track">
                <span className="type-bar-fill" style={{ width: `${(t.count / max) * 100}%`, background: i.color }} />
              </span>
              <span className="num type-bar-count">{formatCount(t.count)}</span>
              <span className="num dim type-bar-share">{formatPercent(t.count / total)}</span>
              <VerdictBadge verdict={typeVerdictKind(i.verdict)} reason={`${i.label}, by its type`} />
              <span className="type-bar-open">Jobs →</span>
            </a>
          </li>
        );
      })}
    </ol>
  );
}

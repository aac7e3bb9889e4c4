import type { TypeCount } from '../../../../shared/model/history.ts';
import type { ErrorTypeInfo } from '../../../../shared/errors/index.ts';
import { formatCount } from '../../format.ts';
import { jobsOfTypeHref } from './type-info.ts';

/** The chart's legend: each type with its count, a link to its jobs (of the task the view is narrowed to). */
export function TypeLegend({ byType, info, task }: { byType: TypeCount[]; info: (type: string) => ErrorTypeInfo; task: string | null }) {
  if (byType.length === 0) return null;
  return (
    <ul className="type-legend" data-testid="type-legend">
      {byType.map((t) => {
        const i = info(t.type);
        return (
          <li key={t.type}>
            <a href={jobsOfTypeHref(t.type, task)} title={`Open the jobs failing with ${i.label}`} data-testid={`legend-${t.type}`}>
              <span className="swatch" style={{ background: i.color }} />
              {i.label} <span className="num dim">{formatCount(t.count)}</span>
            </a>
          </li>
        );
      })}
    </ul>
  );
}

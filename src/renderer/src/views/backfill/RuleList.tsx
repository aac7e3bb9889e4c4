import type { BackfillRule } from '../../../../shared/model/backfill.ts';
import { formatAgo, formatCount } from '../../format.ts';
import { useNow } from '../../hooks/useNow.ts';
import { scheduleLabel } from './rule-draft.ts';

interface Props {
  rules: BackfillRule[];
  selected: string | null;
  onSelect: (id: string) => void;
}

/** Saved rules of this connection, each with its backlog at the last run. */
export function RuleList({ rules, selected, onSelect }: Props) {
  const now = useNow(10_000);
  if (rules.length === 0) {
    return <p className="bf-empty">No rules yet. A rule finds the items of your tables that never got their LLM output.</p>;
  }
  return (
    <ul className="bf-rules" data-testid="backfill-rules">
      {rules.map((r) => (
        <li key={r.id}>
          <button
            className={r.id === selected ? 'bf-rule active' : 'bf-rule'}
            onClick={() => onSelect(r.id)}
            data-testid={`backfill-rule-${r.id}`}
            aria-current={r.id === selected ? 'true' : undefined}
          >
            <span className="bf-rule-name" title={r.name}>
              {r.name}
            </span>
            <span className="bf-rule-meta">
              <span className="mono">{r.task}</span>
              <span className={r.scheduleMinutes ? 'badge badge-active' : 'badge badge-quiet'}>{scheduleLabel(r.scheduleMinutes)}</span>
            </span>
            <span className="bf-rule-last dim">
              {r.lastRun
                ? r.lastRun.error
                  ? `last run failed ${formatAgo(now - Date.parse(r.lastRun.at))}`
                  : `${formatCount(r.lastRun.missing)} missing · ${formatCount(r.lastRun.enqueued)} queued · ${formatAgo(now - Date.parse(r.lastRun.at))}`
                : 'never run'}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}

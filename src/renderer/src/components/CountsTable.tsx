import { useMemo, useRef, useState, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { JOB_STATE_COLORS, JOB_STATE_LABELS, JOB_STATES, type JobState, type StateCounts } from '../../../shared/model/job-state.ts';
import { formatCount } from '../format.ts';
import { MixBar } from './MixBar.tsx';

export interface CountsRow {
  key: string;
  name: string;
  counts: StateCounts;
  /** Shown after the name (a "locked" badge, say). */
  badge?: ReactNode;
}

type SortKey = 'name' | JobState | 'total';

interface Props {
  rows: CountsRow[];
  nameLabel: string;
  testId: string;
  empty: ReactNode;
}

const ROW_HEIGHT = 36;

/** `user-2` before `user-10`. */
const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' }).compare;

function compare(a: CountsRow, b: CountsRow, key: SortKey): number {
  if (key === 'name') return byName(a.name, b.name);
  return a.counts[key] - b.counts[key] || byName(a.name, b.name);
}

function CountCell({ state, value }: { state: JobState | 'total'; value: number }) {
  let cls = 'num';
  if (value === 0) cls += ' zero';
  else if (state === 'failed') cls += ' hot';
  else if (state === 'retrying') cls += ' warm';
  else if (state === 'total') cls += ' strong';
  return <td className={cls}>{formatCount(value)}</td>;
}

/**
 * Counts per task or per queue: a column per state, zeros dim, failures red; sortable; virtualised so
 * thousands of queues stay smooth.
 */
export function CountsTable({ rows, nameLabel, testId, empty }: Props) {
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'name', desc: false });
  const sorted = useMemo(() => {
    const list = [...rows].sort((a, b) => compare(a, b, sort.key));
    return sort.desc ? list.reverse() : list;
  }, [rows, sort]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: sorted.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    initialRect: { width: 1000, height: 480 },
  });
  const items = virtual.getVirtualItems();
  const top = items.length ? items[0].start : 0;
  const bottom = items.length ? virtual.getTotalSize() - items[items.length - 1].end : 0;

  const header = (key: SortKey, label: ReactNode, className = 'num') => (
    <th className={className} aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button className="th-sort" onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : key !== 'name' })}>
        {label}
        <span className="sort-mark" aria-hidden="true">
          {sort.key === key ? (sort.desc ? '↓' : '↑') : ''}
        </span>
      </button>
    </th>
  );

  return (
    <div className="table-scroll" ref={scrollRef} data-testid={testId}>
      <table className="counts-table">
        <thead>
          <tr>
            {header('name', nameLabel, 'name-col')}
            {JOB_STATES.map((s) =>
              header(
                s,
                <>
                  <span className="swatch" style={{ background: JOB_STATE_COLORS[s] }} />
                  {JOB_STATE_LABELS[s]}
                </>,
              ),
            )}
            {header('total', 'Total')}
            <th className="mix-col">Mix</th>
          </tr>
        </thead>
        <tbody>
          {sorted.length === 0 && (
            <tr>
              <td colSpan={JOB_STATES.length + 3} className="table-empty">
                {empty}
              </td>
            </tr>
          )}
          {top > 0 && <tr style={{ height: top }} aria-hidden="true" />}
          {items.map((item) => {
            const row = sorted[item.index];
            return (
              <tr key={row.key} data-row={row.name} style={{ height: ROW_HEIGHT }}>
                <td className="name-col">
                  <span className="row-name mono" title={row.name}>
                    {row.name}
                  </span>
                  {row.badge}
                </td>
                {JOB_STATES.map((s) => (
                  <CountCell key={s} state={s} value={row.counts[s]} />
                ))}
                <CountCell state="total" value={row.counts.total} />
                <td className="mix-col">
                  <MixBar counts={row.counts} />
                </td>
              </tr>
            );
          })}
          {bottom > 0 && <tr style={{ height: bottom }} aria-hidden="true" />}
        </tbody>
      </table>
    </div>
  );
}

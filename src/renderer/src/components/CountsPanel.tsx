import { useMemo, useState, type ReactNode } from 'react';
import { CountsTable, type CountsRow } from './CountsTable.tsx';
import { formatCount } from '../format.ts';

interface Props {
  title: string;
  note: ReactNode;
  rows: CountsRow[];
  nameLabel: string;
  testId: string;
  empty: ReactNode;
}

/** Show the name filter only when there is something to filter. */
const FILTER_FROM = 8;

/** A titled counts table with a name filter (thousands of per-user queues stay searchable). */
export function CountsPanel({ title, note, rows, nameLabel, testId, empty }: Props) {
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const shown = useMemo(() => (needle ? rows.filter((r) => r.name.toLowerCase().includes(needle)) : rows), [rows, needle]);
  return (
    <section className="panel">
      <div className="panel-head">
        <h2>{title}</h2>
        <span className="panel-note">{note}</span>
        {rows.length >= FILTER_FROM && (
          <label className="table-filter">
            {needle && (
              <span className="panel-note num">
                {formatCount(shown.length)} of {formatCount(rows.length)}
              </span>
            )}
            <input
              type="search"
              placeholder={`Filter ${nameLabel.toLowerCase()}s`}
              aria-label={`Filter ${nameLabel.toLowerCase()}s by name`}
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
              data-testid={`${testId}-filter`}
            />
          </label>
        )}
      </div>
      <CountsTable
        rows={shown}
        nameLabel={nameLabel}
        testId={testId}
        empty={needle ? `No ${nameLabel.toLowerCase()} matches “${filter.trim()}”.` : empty}
      />
    </section>
  );
}

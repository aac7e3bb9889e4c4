import { useState } from 'react';
import type { ErrorTypeInfo } from '../../../../shared/errors/index.ts';
import { useFailures } from './failures-store.ts';
import { useAttempts } from './use-history.ts';
import { downloadExport } from './export-download.ts';
import { AttemptRow } from './AttemptRow.tsx';
import { errorMessage } from '../../api/client.ts';
import { toastError, useToasts } from '../../store/toast-store.ts';
import { formatCount } from '../../format.ts';

interface Props {
  types: ErrorTypeInfo[];
  tasks: string[];
  info: (type: string) => ErrorTypeInfo;
  windowFrom: string | null;
}

/** Every failed attempt kept, newest first: search, filters, more pages, export of the filtered set. */
export function AttemptList({ types, tasks, info, windowFrom }: Props) {
  const { filter, setFilter } = useFailures();
  const { rows, pages } = useAttempts();
  const [search, setSearch] = useState(filter.search ?? '');
  const [exporting, setExporting] = useState<string | null>(null);
  const push = useToasts((s) => s.push);

  const exportAs = async (format: 'csv' | 'json') => {
    setExporting(format);
    try {
      const n = await downloadExport(filter, format);
      push('info', 'Export ready', `${formatCount(n)} failed attempts as ${format.toUpperCase()}`);
    } catch (error) {
      toastError('Export failed', error);
    } finally {
      setExporting(null);
    }
  };

  return (
    <section className="panel">
      <div className="panel-head">
        <h2>Failed attempts</h2>
        <form
          className="attempt-filters"
          onSubmit={(e) => {
            e.preventDefault();
            setFilter({ ...filter, search: search.trim() || undefined });
          }}
        >
          <input
            type="text"
            placeholder="Search error text or job id"
            value={search}
            maxLength={200}
            onChange={(e) => setSearch(e.target.value)}
            data-testid="attempt-search"
          />
          <select
            value={filter.errorType ?? ''}
            onChange={(e) => setFilter({ ...filter, errorType: e.target.value || undefined })}
            data-testid="attempt-type"
          >
            <option value="">All types</option>
            {types.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
          </select>
          <select
            value={filter.task ?? ''}
            onChange={(e) => setFilter({ ...filter, task: e.target.value || undefined })}
            data-testid="attempt-task"
          >
            <option value="">All tasks</option>
            {tasks.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <label className="check">
            <input
              type="checkbox"
              checked={!!filter.from}
              disabled={!windowFrom}
              onChange={(e) => setFilter({ ...filter, from: e.target.checked && windowFrom ? windowFrom : undefined })}
            />
            Chart window only
          </label>
          <button className="btn" type="button" disabled={!!exporting} onClick={() => void exportAs('csv')} data-testid="export-csv">
            {exporting === 'csv' ? 'Exporting…' : 'Export CSV'}
          </button>
          <button className="btn" type="button" disabled={!!exporting} onClick={() => void exportAs('json')} data-testid="export-json">
            {exporting === 'json' ? 'Exporting…' : 'Export JSON'}
          </button>
        </form>
      </div>
      <div className="table-scroll">
        <table className="counts-table attempts-table" data-testid="attempt-table">
          {/* Fixed widths, so the error column alone absorbs the panel's width and ellipsizes. */}
          <colgroup>
            <col className="col-when" />
            <col className="col-task" />
            <col className="col-job" />
            <col className="col-attempt" />
            <col className="col-type" />
            <col />
            <col className="col-took" />
            <col className="col-pool" />
          </colgroup>
          <thead>
            <tr>
              <th>When</th>
              <th>Task</th>
              <th className="num">Job</th>
              <th className="num">Attempt</th>
              <th>Type</th>
              <th>Error</th>
              <th className="num">Took</th>
              <th>Pool</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <AttemptRow key={r.id} row={r} info={info(r.errorType)} />
            ))}
          </tbody>
        </table>
      </div>
      {rows.length === 0 && (
        <div className="table-empty">
          {pages.error
            ? `Could not read the attempts: ${errorMessage(pages.error)}`
            : pages.isPending
              ? 'Loading…'
              : 'No failed attempt matches these filters.'}
        </div>
      )}
      {pages.hasNextPage && (
        <div className="list-more">
          <button className="btn" onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage} data-testid="attempt-more">
            Show older attempts
          </button>
        </div>
      )}
    </section>
  );
}

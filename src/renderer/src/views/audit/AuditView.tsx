import { useMemo, useState } from 'react';
import { errorMessage } from '../../api/client.ts';
import { useOpPages, type Paging } from '../../data/use-op.ts';
import type { AuditEntry } from '../../../../shared/model/audit.ts';
import { formatCount, formatDateTime } from '../../format.ts';
import { describeTarget, detailText } from './audit-format.ts';
import './audit.css';

const PAGE = 100;
const NO_ENTRIES: AuditEntry[] = [];
/** Keyset: the page after ends before the last id of this one. */
const PAGING: Paging<'audit.list', number> = {
  after: (before) => ({ before }),
  next: (page) => (page.length === PAGE ? page[page.length - 1].id : null),
};

/** Every action that touched the database: when, what, on what, and how many jobs were changed or skipped. */
export function AuditView() {
  const [all, setAll] = useState(false);
  const [open, setOpen] = useState<number | null>(null);
  // Newest first, a keyset page at a time (`before` the last id); actions make it stale (data/writes.ts).
  const pages = useOpPages('audit.list', { limit: PAGE, allConnections: all }, PAGING);
  const entries = useMemo(() => pages.data?.pages.flat() ?? NO_ENTRIES, [pages.data]);
  const error = pages.error ? errorMessage(pages.error) : null;

  return (
    <div className="audit-view">
      <div className="view-head">
        <h1>Audit log</h1>
        <span className="view-note">Every action that changed the database, with what it touched and what it skipped.</span>
        <label className="check audit-all">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> all connections
        </label>
        <button className="btn btn-ghost" onClick={() => void pages.refetch()}>
          Refresh
        </button>
      </div>
      {error && <div className="form-error">{error}</div>}
      <section className="panel">
        <table className="audit-table" data-testid="audit-table">
          <thead>
            <tr>
              <th>When</th>
              <th>Action</th>
              <th>Target</th>
              <th className="num">Asked</th>
              <th className="num">Changed</th>
              <th className="num">Skipped</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {entries.length === 0 && (
              <tr>
                <td colSpan={7} className="table-empty">
                  No action yet on this connection.
                </td>
              </tr>
            )}
            {entries.map((e) => (
              <AuditRow key={e.id} entry={e} open={open === e.id} onToggle={() => setOpen(open === e.id ? null : e.id)} />
            ))}
          </tbody>
        </table>
        {pages.hasNextPage && (
          <div className="pad">
            <button className="btn" onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
              Older entries
            </button>
          </div>
        )}
      </section>
    </div>
  );
}

function AuditRow({ entry, open, onToggle }: { entry: AuditEntry; open: boolean; onToggle: () => void }) {
  return (
    <>
      <tr className="audit-row" onClick={onToggle} data-testid={`audit-${entry.id}`} aria-expanded={open}>
        <td>{formatDateTime(entry.at)}</td>
        <td className="mono">{entry.action}</td>
        <td className="audit-target" title={describeTarget(entry.target)}>
          {describeTarget(entry.target)}
        </td>
        <td className="num">{formatCount(entry.requested)}</td>
        <td className="num ok-text">{formatCount(entry.affected)}</td>
        <td className={entry.skipped ? 'num warn-text' : 'num dim'}>{formatCount(entry.skipped)}</td>
        <td className="dim">{entry.actor}</td>
      </tr>
      {open && (
        <tr className="audit-detail">
          <td colSpan={7}>
            <pre>{detailText(entry)}</pre>
          </td>
        </tr>
      )}
    </>
  );
}

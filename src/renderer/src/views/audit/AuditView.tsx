import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api/client.ts';
import type { AuditEntry } from '../../../../shared/model/audit.ts';
import { formatCount, formatDateTime } from '../../format.ts';
import { describeTarget, detailText } from './audit-format.ts';
import './audit.css';

const PAGE = 100;

/** Every action that touched the database: when, what, on what, and how many jobs were changed or skipped. */
export function AuditView() {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [all, setAll] = useState(false);
  const [more, setMore] = useState(false);
  const [open, setOpen] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (before?: number) => {
      try {
        const page = await api.call('audit.list', { limit: PAGE, allConnections: all, ...(before ? { before } : {}) });
        setEntries((prev) => (before ? [...prev, ...page] : page));
        setMore(page.length === PAGE);
        setError(null);
      } catch (e) {
        setError((e as Error).message);
      }
    },
    [all],
  );
  useEffect(() => void load(), [load]);

  return (
    <div className="audit-view">
      <div className="view-head">
        <h1>Audit log</h1>
        <span className="view-note">Every action that changed the database, with what it touched and what it skipped.</span>
        <label className="check audit-all">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> all connections
        </label>
        <button className="btn btn-ghost" onClick={() => void load()}>Refresh</button>
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
                <td colSpan={7} className="table-empty">No action yet on this connection.</td>
              </tr>
            )}
            {entries.map((e) => (
              <AuditRow key={e.id} entry={e} open={open === e.id} onToggle={() => setOpen(open === e.id ? null : e.id)} />
            ))}
          </tbody>
        </table>
        {more && (
          <div className="pad">
            <button className="btn" onClick={() => void load(entries[entries.length - 1]?.id)}>Older entries</button>
          </div>
        )}
      </section>
    </div>
  );
}

function AuditRow({ entry, open, onToggle }: { entry: AuditEntry; open: boolean; onToggle(): void }) {
  return (
    <>
      <tr className="audit-row" onClick={onToggle} data-testid={`audit-${entry.id}`} aria-expanded={open}>
        <td>{formatDateTime(entry.at)}</td>
        <td className="mono">{entry.action}</td>
        <td className="audit-target" title={describeTarget(entry.target)}>{describeTarget(entry.target)}</td>
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

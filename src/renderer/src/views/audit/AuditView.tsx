import { useEffect, useMemo, useRef, useState } from 'react';
import { errorMessage } from '../../api/client.ts';
import { useOp, useOpPages, type Paging } from '../../data/use-op.ts';
import type { AuditEntry } from '../../../../shared/model/audit.ts';
import { formatCount, formatDateTime } from '../../format.ts';
import { href, navigate } from '../../router.ts';
import type { ViewProps } from '../../routes.tsx';
import { describeEntry, detailText, isSettingsChange, sentenceText } from './audit-format.ts';
import './audit.css';

const PAGE = 100;
const NO_ENTRIES: AuditEntry[] = [];
/** Keyset: the page after ends before the last id of this one. */
const PAGING: Paging<'audit.list', number> = {
  after: (before) => ({ before }),
  next: (page) => (page.length === PAGE ? page[page.length - 1].id : null),
};

/** `#/audit/<id>`: one entry, opened (a deep link to share or to come back to). */
const entryOf = (route: ViewProps['route']) => (/^\d{1,15}$/.test(route.rest[0] ?? '') ? Number(route.rest[0]) : null);

/** Every action asked of the database (when, what, on what, how many jobs were changed or skipped), and every settings change. */
export function AuditView({ route }: ViewProps) {
  const [all, setAll] = useState(false);
  const linked = entryOf(route);
  // The entry the address names is open; opening another one names it in the address (no history entry).
  const open = linked;
  const setOpen = (id: number | null) => navigate(id === null ? 'audit' : `audit/${id}`, undefined, { replace: true });
  // The linked entry may be far down the log: asked for by itself (the entry before id + 1), shown above the list.
  const pinned = useOp('audit.list', { limit: 1, before: (linked ?? 0) + 1, allConnections: true }, { enabled: linked !== null });
  const pinnedEntry = pinned.data?.[0]?.id === linked ? pinned.data[0] : null;
  // Newest first, a keyset page at a time (`before` the last id); actions make it stale (data/writes.ts).
  const pages = useOpPages('audit.list', { limit: PAGE, allConnections: all }, PAGING);
  const entries = useMemo(() => pages.data?.pages.flat() ?? NO_ENTRIES, [pages.data]);
  const error = pages.error ? errorMessage(pages.error) : null;
  // Opened in the list, an entry unfolds where it is; it is pinned above only when the list does not hold it (a link
  // to an entry further down, or of another connection). Before, a click showed it twice and its row jumped down.
  const inList = linked !== null && entries.some((e) => e.id === linked);
  // A link to an entry the log holds lands on its row (not scrolled to, it may be far down); once per entry linked.
  const landed = useRef<number | null>(null);
  useEffect(() => {
    if (linked === null || !inList || landed.current === linked) return;
    landed.current = linked;
    document.querySelector(`[data-testid="audit-${linked}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [linked, inList]);

  return (
    <div className="audit-view">
      <div className="view-head">
        <h1>Audit log</h1>
        <span className="view-note">
          Every action asked of the database from this console: what it changed, and what it left alone and why; and every change of its
          settings.
        </span>
        <label className="check audit-all">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> all connections
        </label>
        <button className="btn btn-ghost" onClick={() => void pages.refetch()}>
          Refresh
        </button>
      </div>
      {error && <div className="form-error">{error}</div>}
      {linked !== null && pinned.isSuccess && !pinnedEntry && <div className="form-error">No audit entry #{linked}.</div>}
      {pinnedEntry && !inList && !pages.isPending && (
        <section className="panel audit-pinned" data-testid="audit-pinned">
          <div className="panel-head">
            <h2>Entry #{pinnedEntry.id}</h2>
            <a href={href('audit')}>Show the whole log</a>
          </div>
          <table className="audit-table">
            <tbody>
              <AuditRow entry={pinnedEntry} open onToggle={() => setOpen(null)} />
            </tbody>
          </table>
        </section>
      )}
      <section className="panel">
        <table className="audit-table" data-testid="audit-table">
          <thead>
            <tr>
              <th>When</th>
              <th>What was done</th>
              <th className="num">Asked</th>
              <th className="num">Changed</th>
              <th className="num">Skipped</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {entries.length === 0 && (
              <tr>
                <td colSpan={6} className="table-empty">
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
  const words = describeEntry(entry);
  const settings = isSettingsChange(entry);
  return (
    <>
      <tr className="audit-row" onClick={onToggle} data-testid={`audit-${entry.id}`} aria-expanded={open}>
        <td className="nowrap">
          <a href={href(`audit/${entry.id}`)} onClick={(e) => e.stopPropagation()} title="A link to this entry">
            {formatDateTime(entry.at)}
          </a>
        </td>
        {/* A change of settings counts no jobs: its sentence takes the count columns too. */}
        <td
          className="audit-words"
          colSpan={settings ? 4 : undefined}
          title={`${sentenceText(words)} (${entry.action})`}
          data-testid="audit-words"
        >
          {words.verb}{' '}
          {words.link ? (
            <a href={words.link} onClick={(e) => e.stopPropagation()} data-testid="audit-target-link">
              {words.target}
            </a>
          ) : (
            words.target
          )}
          {words.tail}
          {words.jobIds.length > 0 && (
            <span className="audit-ids">
              {' '}
              (
              {words.jobIds.map((id, i) => (
                <span key={id}>
                  {i > 0 && ', '}
                  <a href={href(`jobs/${id}`)} onClick={(e) => e.stopPropagation()}>
                    #{id}
                  </a>
                </span>
              ))}
              {entry.affected > words.jobIds.length || entry.requested > words.jobIds.length ? ', …' : ''})
            </span>
          )}
        </td>
        {!settings && (
          <>
            <td className="num">{formatCount(entry.requested)}</td>
            <td className="num ok-text">{formatCount(entry.affected)}</td>
            <td className={entry.skipped ? 'num warn-text' : 'num dim'}>{formatCount(entry.skipped)}</td>
          </>
        )}
        <td className="dim">{entry.actor}</td>
      </tr>
      {open && (
        <tr className="audit-detail">
          <td colSpan={6}>
            <div className="dim audit-action-name">
              <span className="mono">{entry.action}</span> · what the engine recorded:
            </div>
            <pre>{detailText(entry)}</pre>
          </td>
        </tr>
      )}
    </>
  );
}

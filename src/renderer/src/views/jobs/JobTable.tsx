import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { JobRow } from '../../../../shared/model/jobs.ts';
import { isParked } from '../../../../shared/model/control.ts';
import { failureTime } from '../../../../shared/model/job-state.ts';
import { useNow } from '../../hooks/useNow.ts';
import { href } from '../../router.ts';
import { formatCount } from '../../format.ts';
import { isDueRetry, nextRun, pastTime } from './jobs-format.ts';
import { ErrorTypeChip, StateBadge } from './StateBadge.tsx';
import { VerdictBadge } from '../../components/VerdictBadge.tsx';

const ROW_HEIGHT = 40;

interface Props {
  rows: JobRow[];
  selected: ReadonlySet<string>;
  hasMore: boolean;
  loading: boolean;
  /** The list could not be read: the view shows why, so the table adds no "no match" message of its own. */
  failed?: boolean;
  onToggle: (id: string) => void;
  onToggleAll: () => void;
  onLoadMore: () => void;
}

/**
 * The job list, virtualised: only the rows in view are in the DOM, and the next keyset page is fetched as
 * the end comes into view, so a million jobs scroll like a hundred. Errors are shown as text, never HTML.
 */
export function JobTable({ rows, selected, hasMore, loading, failed, onToggle, onToggleAll, onLoadMore }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const now = useNow(5000);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 15,
    initialRect: { width: 1200, height: 600 },
  });
  const items = virtual.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : 0;
  useEffect(() => {
    if (hasMore && !loading && lastIndex >= rows.length - 30) onLoadMore();
  }, [lastIndex, rows.length, hasMore, loading, onLoadMore]);
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));

  return (
    <div className="job-table" data-testid="job-table">
      <div className="job-row job-head" role="row">
        <span>
          <input
            type="checkbox"
            checked={allSelected}
            onChange={onToggleAll}
            aria-label="Select all loaded jobs"
            data-testid="select-all"
          />
        </span>
        <span>Id</span>
        <span>State</span>
        <span>Task</span>
        <span>Queue</span>
        <span className="num">Attempts</span>
        <span>Run at</span>
        <span>Last error</span>
        <span>Created</span>
      </div>
      <div className="job-scroll" ref={scrollRef}>
        {rows.length === 0 && !loading && !failed && <div className="table-empty">No job matches this filter.</div>}
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const r = rows[item.index];
            return (
              <div
                key={r.id}
                className={selected.has(r.id) ? 'job-row selected' : 'job-row'}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                data-testid={`job-row-${r.id}`}
                data-state={r.state}
              >
                <span>
                  <input
                    type="checkbox"
                    checked={selected.has(r.id)}
                    onChange={() => onToggle(r.id)}
                    aria-label={`Select job ${r.id}`}
                    data-testid={`select-${r.id}`}
                  />
                </span>
                <a className="mono" href={href(`jobs/${r.id}`)} data-testid={`open-${r.id}`}>
                  #{r.id}
                </a>
                <span>
                  <StateBadge state={r.state} due={isDueRetry(r, now)} parked={isParked(r)} />
                </span>
                <span className="mono ellipsis" title={r.task}>
                  {r.task}
                </span>
                <span className="mono ellipsis dim" title={r.queue ?? ''}>
                  {r.queue ?? '—'}
                </span>
                <span className={r.attempts >= r.maxAttempts ? 'num hot' : 'num'}>
                  {r.attempts}/{r.maxAttempts}
                </span>
                <span
                  className="dim ellipsis"
                  title={
                    r.state === 'failed'
                      ? `attempts used up: no further run (failed for good at ${new Date(failureTime(Date.parse(r.runAt), r.attempts, now)).toISOString()})`
                      : r.runAt
                  }
                >
                  {isParked(r) ? <span className="badge badge-paused">paused</span> : nextRun(r, now)}
                </span>
                <span className="error-cell" title={r.errorHead ?? ''}>
                  {r.errorType && <ErrorTypeChip type={r.errorType} />}
                  {r.verdict && <VerdictBadge verdict={r.verdict.verdict} reason={r.verdict.reason} />}
                  <span className="ellipsis mono">{r.errorHead ?? ''}</span>
                </span>
                <span className="dim" title={r.createdAt}>
                  {pastTime(r.createdAt, now)}
                </span>
              </div>
            );
          })}
        </div>
        {loading && <div className="list-loading">Loading…</div>}
      </div>
      <div className="job-foot dim">
        {formatCount(rows.length)} loaded{hasMore ? ' · scroll for more' : rows.length ? ' · end of list' : ''}
      </div>
    </div>
  );
}

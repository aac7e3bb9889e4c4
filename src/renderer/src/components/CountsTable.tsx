import { useMemo, useRef, useState, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { JOB_STATE_COLORS, JOB_STATE_LABELS, JOB_STATES, type JobState, type StateCounts } from '../../../shared/model/job-state.ts';
import type { DueFigures } from '../../../shared/model/overview.ts';
import { formatCount } from '../format.ts';
import { MixBar } from './MixBar.tsx';
import { shownCounts, shortWait, waitText, type ListKey, type ShownCounts } from './overview-figures.ts';

export interface CountsRow {
  key: string;
  name: string;
  counts: StateCounts & DueFigures;
  /** Shown after the name (a "locked" badge, say). */
  badge?: ReactNode;
  /** The Jobs view's list behind a figure of this row; without it the figures are plain numbers. */
  link?: (key: ListKey) => string;
  /** The list of the jobs a pause parked, in one of the two states they are counted apart from. */
  pausedLink?: (state: 'scheduled' | 'retrying') => string;
}

type SortKey = 'name' | JobState | 'total' | 'oldest' | 'p95';

interface Props {
  rows: CountsRow[];
  nameLabel: string;
  testId: string;
  empty: ReactNode;
}

const ROW_HEIGHT = 36;

/** `user-2` before `user-10`. */
const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' }).compare;

interface SortableRow extends CountsRow {
  shown: ShownCounts;
}

function sortValue(row: SortableRow, key: Exclude<SortKey, 'name'>): number {
  if (key === 'oldest') return row.counts.oldestDueMs ?? -1;
  if (key === 'p95') return row.counts.wait?.p95Ms ?? -1;
  return row.shown[key];
}

function compare(a: SortableRow, b: SortableRow, key: SortKey): number {
  if (key === 'name') return byName(a.name, b.name);
  return sortValue(a, key) - sortValue(b, key) || byName(a.name, b.name);
}

/** Jobs a pause parked, counted apart from the figure beside it: a link to exactly them where the row has one. */
function PausedApart({ n, href }: { n: number; href: string | undefined }) {
  const title = 'Held back by a pause: not counted here until it is resumed';
  return href ? (
    <a className="cell-apart count-link" href={href} title={`${title} (open the list)`} data-paused-link="">
      +{formatCount(n)} paused
    </a>
  ) : (
    <span className="cell-apart" title={title}>
      +{formatCount(n)} paused
    </span>
  );
}

/** Ready and Running as the overview counts them: due now, and held by live workers (see overview-figures.ts). */
function CountCell({ state, value, row }: { state: ListKey; value: number; row: SortableRow }) {
  let cls = 'num';
  if (value === 0) cls += ' zero';
  else if (state === 'failed') cls += ' hot';
  else if (state === 'retrying') cls += ' warm';
  else if (state === 'total') cls += ' strong';
  const extra =
    state === 'ready' && row.shown.dueRetries > 0 ? (
      <span className="cell-apart" title="Retries whose run_at has passed: due now, counted in Ready">
        {formatCount(row.shown.dueRetries)} retry
      </span>
    ) : state === 'running' && row.shown.gone > 0 ? (
      <span className="cell-apart hot" title="Held by workers that are gone: not counted as running">
        +{formatCount(row.shown.gone)} gone
      </span>
    ) : (state === 'scheduled' || state === 'retrying') && row.shown.paused[state] > 0 ? (
      <PausedApart n={row.shown.paused[state]} href={row.pausedLink?.(state)} />
    ) : null;
  return (
    <td className={cls}>
      {extra}
      {row.link && value > 0 ? (
        <a className="count-link" href={row.link(state)} data-state={state}>
          {formatCount(value)}
        </a>
      ) : (
        formatCount(value)
      )}
    </td>
  );
}

/** How long the oldest due job has waited, and the waits of the last hour's takes (p50 · p95). */
function LatencyCells({ row }: { row: SortableRow }) {
  const wait = row.counts.wait;
  const oldest = row.counts.oldestDueMs ?? null;
  return (
    <>
      <td className={oldest === null ? 'num zero lat-col' : 'num lat-col'} data-col="oldest-due">
        {waitText(oldest)}
      </td>
      <td
        className={wait ? 'num lat-col' : 'num zero lat-col'}
        data-col="wait"
        title={wait ? `${formatCount(wait.samples)} takes seen in the last hour` : 'No take seen in the last hour'}
      >
        {/* Two figures that each stay whole: where the column is narrow they stack, one to a line. */}
        {wait ? (
          <>
            <span className="nowrap">{shortWait(wait.p50Ms)}</span> · <span className="nowrap">{shortWait(wait.p95Ms)}</span>
          </>
        ) : (
          '—'
        )}
      </td>
    </>
  );
}

/**
 * Counts per task or per queue: a column per state, zeros dim, failures red; sortable; virtualised so
 * thousands of queues stay smooth.
 */
export function CountsTable({ rows, nameLabel, testId, empty }: Props) {
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'name', desc: false });
  const sorted = useMemo(() => {
    const list: SortableRow[] = rows.map((r) => ({ ...r, shown: shownCounts(r.counts) })).sort((a, b) => compare(a, b, sort.key));
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
            {header('oldest', <span title="How long the oldest due job has waited">Oldest due</span>, 'num lat-col')}
            {header(
              'p95',
              <span title="Wait over the last hour: start of an attempt minus its run_at, p50 and p95 of the takes seen">
                Wait <span className="nowrap">p50/p95</span>
              </span>,
              'num lat-col',
            )}
            <th className="mix-col">Mix</th>
          </tr>
        </thead>
        <tbody>
          {sorted.length === 0 && (
            <tr>
              <td colSpan={JOB_STATES.length + 5} className="table-empty">
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
                  {/* The controls keep their room whatever the width: a long name gives way (its title holds it whole). */}
                  <div className="name-cell">
                    <span className="row-name mono" title={row.name}>
                      {row.name}
                    </span>
                    {row.badge && <span className="row-badges">{row.badge}</span>}
                  </div>
                </td>
                {JOB_STATES.map((s) => (
                  <CountCell key={s} state={s} value={row.shown[s]} row={row} />
                ))}
                <CountCell state="total" value={row.shown.total} row={row} />
                <LatencyCells row={row} />
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

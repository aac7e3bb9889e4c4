import { useCallback, useMemo, useState } from 'react';
import { JOB_ACTIONS, type JobAction, type JobFilter } from '../../../../shared/model/jobs.ts';
import { navigate, type Route } from '../../router.ts';
import { formatCount } from '../../format.ts';
import { describeFilter, filterFromParams, filterKey, filterToParams, isEmptyFilter } from './job-filter-url.ts';
import { describeCount, errorTypeInfo } from './jobs-format.ts';
import { useJobList } from './use-job-list.ts';
import { FilterBar } from './FilterBar.tsx';
import { JobTable } from './JobTable.tsx';
import { ActionButtons } from './ActionButtons.tsx';
import { ActionDialog } from './ActionDialog.tsx';
import type { ActionRequest } from './job-actions.ts';
import { useToasts } from '../../store/toast-store.ts';
import { useStatus } from '../../data/use-op.ts';
import { PausedBanner } from './PausedBanner.tsx';
import { QueueJobsDialog } from './QueueJobsDialog.tsx';

/** Every action offered, each refused for `reason`. */
const allRefused = (reason: string) => Object.fromEntries(JOB_ACTIONS.map((a) => [a, reason])) as Record<JobAction, string>;

/** The engine takes at most this many ids in one call; a larger set goes by filter (which has no cap). */
const MAX_SELECTION = 50_000;

/** The job explorer: filters in the address, a virtualised list, and actions on a selection or on the whole filter. */
export function JobListView({ route }: { route: Route }) {
  const { filter, ignored } = useMemo(() => filterFromParams(route.params), [route.params]);
  const key = filterKey(filter);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  // A new filter clears the selection: adjusted while rendering (React's pattern for state that follows a prop).
  const [selectedFor, setSelectedFor] = useState(key);
  if (selectedFor !== key) {
    setSelectedFor(key);
    setSelected(new Set());
  }
  const [request, setRequest] = useState<ActionRequest | null>(null);
  const [queuing, setQueuing] = useState(false);
  // Keep the list live while the operator is only looking (nothing selected, no dialog; the hook adds: not
  // scrolled past the first page), unless the filter is one that scans (regexes, text search): re-reading those
  // as the queue moves would load the user's database.
  const cheap = !filter.errorType && !filter.search;
  const list = useJobList(filter, cheap && selected.size === 0 && !request);

  const setFilter = (next: JobFilter) => navigate('jobs', filterToParams(next));
  const toggle = useCallback((id: string) => {
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);
  const toggleAll = () => setSelected((prev) => (list.rows.every((r) => prev.has(r.id)) ? new Set() : new Set(list.rows.map((r) => r.id))));
  const count = list.count ? describeCount(list.count) : null;
  // Without a database the list's error says it all: no count, no action bar, no empty table beside it.
  const online = useStatus((s) => s.connection.state === 'online') ?? false;
  const noDatabase = !online && !!list.error;
  // An action on the whole filter only when the filter is the one the address asked for, and it could be read.
  const filterRefused = ignored.length
    ? 'The address holds filter values Jobdeck cannot read: fix or clear the filter first'
    : list.error
      ? 'The filter could not be read: fix it first'
      : null;

  const act = (action: JobAction) => {
    if (selected.size > MAX_SELECTION) {
      useToasts
        .getState()
        .push(
          'error',
          'Too many jobs selected',
          `Select at most ${formatCount(MAX_SELECTION)} jobs, or clear the selection to act on everything the filter matches.`,
        );
    } else if (selected.size > 0) {
      setRequest({
        action,
        target: { ids: [...selected] },
        subject: `${formatCount(selected.size)} selected ${selected.size === 1 ? 'job' : 'jobs'}`,
      });
    } else {
      setRequest({
        action,
        target: { filter },
        subject: isEmptyFilter(filter) ? 'every job in the database' : `every job matching ${describeFilter(filter)}`,
      });
    }
  };

  return (
    <div className="jobs-view">
      <div className="view-head">
        <h1>Jobs</h1>
        <span className="match-count" data-testid="match-count" data-basis={list.count?.basis ?? ''}>
          {count ? count.text : list.countFailed || list.error ? '—' : 'counting…'}
          {count?.note && <span className="count-note"> · {count.note}</span>}
        </span>
        <button className="btn btn-ghost" onClick={list.reload} data-testid="jobs-refresh">
          Refresh
        </button>
        <button className="btn" onClick={() => setQueuing(true)} disabled={!online} data-testid="queue-open">
          Queue jobs…
        </button>
      </div>
      <QueueJobsDialog open={queuing} onClose={() => setQueuing(false)} />
      <FilterBar filter={filter} onChange={setFilter} />
      {filter.errorType && (
        // Reached from the Failures view's counts of attempts, this list is rarely as long: said, or it reads as loss.
        <p className="field-hint jobs-filter-note" data-testid="jobs-error-type-note">
          Jobs still in the database whose last error is {errorTypeInfo(filter.errorType).label.toLowerCase()}. The Failures view counts
          every failed attempt in its window, of jobs that have since succeeded or been removed too.
        </p>
      )}
      {ignored.length > 0 && (
        <div className="form-error" role="alert" data-testid="jobs-ignored-filter">
          Not a filter Jobdeck knows, left out: <code>{ignored.join(', ')}</code>. The list below is without it, and actions on the whole
          filter are off until it is fixed or cleared.{' '}
          <button className="btn btn-ghost" onClick={() => setFilter(filter)} data-testid="jobs-ignored-clear">
            Drop them from the address
          </button>
        </div>
      )}
      <PausedBanner filter={filter} />
      {!noDatabase && (
        <div className="bulk-bar" data-testid="bulk-bar">
          <span className="bulk-subject">
            {selected.size > 0 ? (
              <>
                <strong>{formatCount(selected.size)}</strong> selected
                <button className="btn btn-ghost" onClick={() => setSelected(new Set())}>
                  Clear selection
                </button>
              </>
            ) : (
              <>All {count ? <strong>{count.text}</strong> : 'jobs'} matching:</>
            )}
          </span>
          <ActionButtons
            testPrefix="bulk"
            // The subject beside them says what they act on ("All 7 jobs matching", the filter above): no " all" on each,
            // which keeps the bar on one line at 1024 px wide, and the table two rows longer.
            suffix="…"
            offer={selected.size === 0 && filterRefused ? allRefused(filterRefused) : undefined}
            onAction={act}
          />
        </div>
      )}
      {list.error && (
        <div className="form-error" data-testid="jobs-error">
          {list.error}
        </div>
      )}
      {!noDatabase && (
        <JobTable
          rows={list.rows}
          selected={selected}
          hasMore={list.hasMore}
          loading={list.loading}
          failed={!!list.error}
          onToggle={toggle}
          onToggleAll={toggleAll}
          onLoadMore={list.loadMore}
        />
      )}
      {request && (
        <ActionDialog
          request={request}
          onClose={(changed) => {
            setRequest(null);
            // The action made the list stale (data/writes.ts); what was selected may be gone.
            if (changed) setSelected(new Set());
          }}
        />
      )}
    </div>
  );
}

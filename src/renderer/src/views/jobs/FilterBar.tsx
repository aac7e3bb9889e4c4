import { useEffect, useState } from 'react';
import { useOp } from '../../data/use-op.ts';
import { BUILTIN_ERROR_TYPES } from '../../../../shared/errors/index.ts';
import { JOB_STATES, JOB_STATE_COLORS, JOB_STATE_LABELS, type JobState } from '../../../../shared/model/job-state.ts';
import type { JobFacets, JobFilter } from '../../../../shared/model/jobs.ts';

type DateKey = 'createdFrom' | 'createdTo' | 'runAtFrom' | 'runAtTo';
const DATE_FIELDS: { key: DateKey; label: string }[] = [
  { key: 'createdFrom', label: 'Created from' },
  { key: 'createdTo', label: 'to' },
  { key: 'runAtFrom', label: 'Run at from' },
  { key: 'runAtTo', label: 'to' },
];

const NO_FACETS: JobFacets = { tasks: [], queues: [] };

function localValue(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** The explorer's filters: states, task, queue, error type, text in the error or payload, time ranges. */
export function FilterBar({ filter, onChange }: { filter: JobFilter; onChange: (next: JobFilter) => void }) {
  // Names change rarely: read when the bar opens, and after actions (data/writes.ts).
  const facets = useOp('jobs.facets', {}).data ?? NO_FACETS;
  const [search, setSearch] = useState(filter.search ?? '');
  const [moreOpen, setMoreOpen] = useState(DATE_FIELDS.some((f) => filter[f.key]));
  useEffect(() => setSearch(filter.search ?? ''), [filter.search]);

  const set = (patch: Partial<JobFilter>) => onChange({ ...filter, ...patch });
  const toggleState = (s: JobState) => {
    const current = new Set(filter.states ?? []);
    if (current.has(s)) current.delete(s);
    else current.add(s);
    set({ states: JOB_STATES.filter((x) => current.has(x)) });
  };
  const option = (v: string) => (
    <option key={v} value={v}>
      {v}
    </option>
  );

  return (
    <div className="filter-bar panel" data-testid="job-filters">
      <div className="filter-row">
        <div className="state-toggles" role="group" aria-label="States">
          {JOB_STATES.map((s) => (
            <button
              key={s}
              className={filter.states?.includes(s) ? 'state-toggle on' : 'state-toggle'}
              aria-pressed={!!filter.states?.includes(s)}
              onClick={() => toggleState(s)}
              data-testid={`filter-state-${s}`}
            >
              <span className="swatch" style={{ background: JOB_STATE_COLORS[s] }} />
              {JOB_STATE_LABELS[s]}
            </button>
          ))}
        </div>
        <select
          value={filter.tasks?.[0] ?? ''}
          onChange={(e) => set({ tasks: e.target.value ? [e.target.value] : undefined })}
          data-testid="filter-task"
          aria-label="Task"
        >
          <option value="">All tasks</option>
          {[...new Set([...(filter.tasks ?? []), ...facets.tasks])].map(option)}
        </select>
        <select
          value={filter.queues?.[0] ?? ''}
          onChange={(e) => set({ queues: e.target.value ? [e.target.value] : undefined })}
          data-testid="filter-queue"
          aria-label="Queue"
        >
          <option value="">All queues</option>
          {[...new Set([...(filter.queues ?? []), ...facets.queues])].map(option)}
        </select>
        <select
          value={filter.errorType ?? ''}
          onChange={(e) => set({ errorType: e.target.value || undefined })}
          data-testid="filter-error-type"
          aria-label="Error type"
        >
          <option value="">Any error</option>
          {BUILTIN_ERROR_TYPES.map((t) => (
            <option key={t.type} value={t.type}>
              {t.label}
            </option>
          ))}
        </select>
        <form
          className="filter-search"
          onSubmit={(e) => {
            e.preventDefault();
            set({ search: search.trim() || undefined });
          }}
        >
          <input
            type="text"
            value={search}
            maxLength={200}
            placeholder="Search errors and payloads (Enter)"
            title="Finds jobs whose last error or payload contains this text; Enter applies it"
            onChange={(e) => setSearch(e.target.value)}
            onBlur={() => search.trim() !== (filter.search ?? '') && set({ search: search.trim() || undefined })}
            data-testid="filter-search"
          />
        </form>
        <button className="btn btn-ghost" onClick={() => setMoreOpen(!moreOpen)} aria-expanded={moreOpen}>
          Time range
        </button>
        <button className="btn btn-ghost" onClick={() => onChange({})} data-testid="filter-clear">
          Clear
        </button>
      </div>
      {moreOpen && (
        <div className="filter-row">
          {DATE_FIELDS.map((f) => (
            <label key={f.key} className="filter-date">
              <span className="dim">{f.label}</span>
              <input
                type="datetime-local"
                value={localValue(filter[f.key])}
                onChange={(e) => set({ [f.key]: e.target.value ? new Date(e.target.value).toISOString() : undefined })}
              />
            </label>
          ))}
        </div>
      )}
    </div>
  );
}

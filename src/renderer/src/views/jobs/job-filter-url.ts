import { JOB_STATES, JOB_STATE_LABELS, type JobState } from '../../../../shared/model/job-state.ts';
import type { JobFilter } from '../../../../shared/model/jobs.ts';
import { formatDateTime } from '../../format.ts';
import { errorTypeInfo } from './jobs-format.ts';

/**
 * The explorer's filter lives in the address (`#/jobs?state=failed&task=generate_insight`), so a filtered
 * list can be bookmarked, shared or opened from a notification. Unknown or malformed values are not taken, and
 * are listed in `ignored` (`state=bogus`): a mistyped bookmark must not silently widen the list, and its actions,
 * to every job.
 */
const TEXT_KEYS = ['errorType', 'createdFrom', 'createdTo', 'runAtFrom', 'runAtTo'] as const;
const KNOWN_KEYS = new Set<string>(['state', 'task', 'queue', 'q', ...TEXT_KEYS]);

export interface AddressFilter {
  filter: JobFilter;
  /** What the address held that the filter could not take, as `key=value`. */
  ignored: string[];
}

const isState = (s: string): s is JobState => (JOB_STATES as readonly string[]).includes(s);

export function filterFromParams(params: URLSearchParams): AddressFilter {
  const filter: JobFilter = {};
  const ignored: string[] = [];
  const stateValues = (params.get('state') ?? '').split(',').filter(Boolean);
  const states = stateValues.filter(isState);
  for (const s of stateValues) if (!isState(s)) ignored.push(`state=${s}`);
  if (states.length) filter.states = states;
  const task = params.get('task');
  if (task) filter.tasks = [task.slice(0, 128)];
  const queue = params.get('queue');
  if (queue) filter.queues = [queue.slice(0, 128)];
  const q = params.get('q')?.trim();
  if (q) filter.search = q.slice(0, 200);
  for (const key of TEXT_KEYS) {
    const value = params.get(key);
    if (!value) continue;
    if (key === 'errorType' ? /^[a-z][a-z0-9_]{0,39}$/.test(value) : !Number.isNaN(Date.parse(value))) filter[key] = value;
    else ignored.push(`${key}=${value}`);
  }
  for (const [key, value] of params) if (!KNOWN_KEYS.has(key)) ignored.push(`${key}=${value}`);
  return { filter, ignored };
}

export function filterToParams(filter: JobFilter): Record<string, string> {
  const out: Record<string, string> = {};
  if (filter.states?.length) out.state = filter.states.join(',');
  if (filter.tasks?.length) out.task = filter.tasks[0];
  if (filter.queues?.length) out.queue = filter.queues[0];
  if (filter.search) out.q = filter.search;
  for (const key of TEXT_KEYS) if (filter[key]) out[key] = filter[key]!;
  return out;
}

/** A stable key for effects that depend on the filter's content. */
export const filterKey = (filter: JobFilter) => JSON.stringify(filterToParams(filter));

/** True when the filter narrows nothing: an action on it would touch every job. */
export const isEmptyFilter = (filter: JobFilter) => Object.keys(filterToParams(filter)).length === 0;

/** The filter in a few words for a confirmation: "permanently failed · generate_insight · Rate limit". */
export function describeFilter(filter: JobFilter): string {
  const parts = [
    ...(filter.states ?? []).map((s) => JOB_STATE_LABELS[s].toLowerCase()),
    ...(filter.tasks ?? []),
    ...(filter.queues ?? []).map((q) => `queue ${q}`),
    ...(filter.errorType ? [errorTypeInfo(filter.errorType).label] : []),
    ...(filter.search ? [`"${filter.search}"`] : []),
    ...timeRanges(filter),
  ];
  return parts.join(' · ');
}

/** The time bounds of a filter in words, as the filter bar names them: "created Dec 6, 9:00 AM to Dec 6, 10:00 AM". */
function timeRanges(filter: JobFilter): string[] {
  return [...range('created', filter.createdFrom, filter.createdTo), ...range('run at', filter.runAtFrom, filter.runAtTo)];
}

function range(what: string, from: string | undefined, to: string | undefined): string[] {
  if (from && to) return [`${what} ${formatDateTime(from)} to ${formatDateTime(to)}`];
  if (from) return [`${what} from ${formatDateTime(from)}`];
  if (to) return [`${what} until ${formatDateTime(to)}`];
  return [];
}

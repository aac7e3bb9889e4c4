import type { JobState } from '../../../shared/model/job-state.ts';
import { PARKED_RUN_AT_ISO } from '../../../shared/model/control.ts';
import { href } from '../router.ts';
import { formatAge } from '../format.ts';

export { shownCounts, type ShownCounts } from './shown-counts.ts';

export type ListKey = JobState | 'total';

/** Just after the parked time: the lists' bounds (runAtTo is exclusive) that hold exactly the parked jobs. */
const AFTER_PARKED = new Date(Date.parse(PARKED_RUN_AT_ISO) + 1).toISOString();

/** The Jobs view's list of the jobs a pause parked (run_at exactly the parked time), in a state. */
export function parkedHref(state: 'scheduled' | 'retrying', scope: Scope): string {
  return href('jobs', { ...scope, state, runAtFrom: PARKED_RUN_AT_ISO, runAtTo: AFTER_PARKED });
}

/** Where a row's jobs live: a task or a named queue (or every job). */
export type Scope = { task: string } | { queue: string } | Record<string, never>;

/**
 * The Jobs view's filtered list behind a figure (`#/jobs?state=…&task=…`). The count's time splits the retries:
 * due ones end there (`runAtTo` is exclusive), the ones not due yet start there (`runAtFrom` is inclusive).
 */
export function listHref(key: ListKey, scope: Scope, at: string): string {
  const params: Record<string, string> = { ...scope };
  const bound = new Date(Date.parse(at) + 1).toISOString();
  if (key === 'ready') Object.assign(params, { state: 'ready,retrying', runAtTo: bound });
  else if (key === 'retrying') Object.assign(params, { state: 'retrying', runAtFrom: bound, runAtTo: PARKED_RUN_AT_ISO });
  else if (key === 'scheduled') Object.assign(params, { state: 'scheduled', runAtTo: PARKED_RUN_AT_ISO });
  else if (key !== 'total') params.state = key;
  return href('jobs', params);
}

/** `7 min`, `—` when nothing waits. */
export const waitText = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '—' : formatAge(ms) === 'now' ? '< 1 s' : formatAge(ms);

/** Wait figures shorter than a second read as milliseconds. */
export function shortWait(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatAge(ms);
}

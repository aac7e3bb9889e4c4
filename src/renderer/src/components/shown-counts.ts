import type { StateCounts } from '../../../shared/model/job-state.ts';
import { depthSampleOf, type DueFigures } from '../../../shared/model/overview.ts';

/**
 * How the overview shows the five exclusive states (the rule is stated under the cards):
 * - Ready: every job due now: never tried, plus retries whose run_at has passed ("due (retry)");
 * - Waiting to retry: retries whose time has not come;
 * - Running: jobs held by live workers; jobs held by gone ones are counted apart (`gone`);
 * - Scheduled and Waiting to retry: without the jobs a pause parked (`paused`): they wait for a resume, not a time.
 */
export interface ShownCounts {
  ready: number;
  /** Of `ready`, retries that are due. */
  dueRetries: number;
  scheduled: number;
  running: number;
  gone: number;
  retrying: number;
  failed: number;
  total: number;
  /** Of the waiting jobs, those a pause parked: not counted in Scheduled or Waiting to retry. */
  paused: { scheduled: number; retrying: number };
}

export function shownCounts(c: StateCounts & DueFigures): ShownCounts {
  const gone = Math.min(c.heldByGone ?? 0, c.running);
  // Ready, Waiting to retry and the parked jobs as the depth samples take them, so that cards and chart agree.
  const sample = depthSampleOf('', c);
  const dueRetries = sample.ready - c.ready;
  return {
    ready: sample.ready,
    dueRetries,
    scheduled: sample.scheduled,
    running: c.running - gone,
    gone,
    retrying: sample.retrying,
    failed: c.failed,
    total: c.total,
    paused: { scheduled: c.scheduled - sample.scheduled, retrying: c.retrying - sample.retrying - dueRetries },
  };
}

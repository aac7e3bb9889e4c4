import { JOB_STATE_COLORS, JOB_STATE_LABELS, type JobState } from '../../../../shared/model/job-state.ts';
import { errorTypeInfo } from './jobs-format.ts';

/**
 * A job's state with its colour; a retry whose run_at has passed reads "due (retry)" (the overview counts it in
 * Ready); a job a pause parked reads "Paused" (its run_at, 9999-01-01, is the pause's, not a schedule).
 */
export function StateBadge({ state, due = false, parked = false }: { state: JobState; due?: boolean; parked?: boolean }) {
  const dueRetry = due && state === 'retrying';
  const paused = parked && state !== 'running' && state !== 'failed';
  return (
    <span
      className="state-badge"
      style={{ ['--state-color' as string]: paused ? PAUSED_COLOR : JOB_STATE_COLORS[dueRetry ? 'ready' : state] }}
      title={
        paused
          ? `Its task or queue is paused: parked until it is resumed, then it runs as ${JOB_STATE_LABELS[state].toLowerCase()} again`
          : dueRetry
            ? 'Failed before, attempts left, and its run_at has passed: due now, waiting for a worker'
            : undefined
      }
      data-parked={paused || undefined}
    >
      <span className="swatch" />
      {paused ? 'Paused' : dueRetry ? 'Due (retry)' : JOB_STATE_LABELS[state]}
    </span>
  );
}

/** The colour of paused work elsewhere (the sidebar, the list's Run at column), per theme. */
const PAUSED_COLOR = 'var(--paused, #6d3fc7)';

/** An error type chip; the description is its tooltip. */
export function ErrorTypeChip({ type }: { type: string }) {
  const info = errorTypeInfo(type);
  return (
    <span className="error-chip" style={{ ['--chip-color' as string]: info.color }} title={info.description}>
      {info.label}
    </span>
  );
}

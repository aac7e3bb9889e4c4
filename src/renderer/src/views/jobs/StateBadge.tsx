import { JOB_STATE_COLORS, JOB_STATE_LABELS, type JobState } from '../../../../shared/model/job-state.ts';
import { errorTypeInfo } from './jobs-format.ts';

/** A job's state with its colour; a retry whose run_at has passed reads "due (retry)" (the overview counts it in Ready). */
export function StateBadge({ state, due = false }: { state: JobState; due?: boolean }) {
  const dueRetry = due && state === 'retrying';
  return (
    <span
      className="state-badge"
      style={{ ['--state-color' as string]: JOB_STATE_COLORS[dueRetry ? 'ready' : state] }}
      title={dueRetry ? 'Failed before, attempts left, and its run_at has passed: due now, waiting for a worker' : undefined}
    >
      <span className="swatch" />
      {dueRetry ? 'Due (retry)' : JOB_STATE_LABELS[state]}
    </span>
  );
}

/** An error type chip; the description is its tooltip. */
export function ErrorTypeChip({ type }: { type: string }) {
  const info = errorTypeInfo(type);
  return (
    <span className="error-chip" style={{ ['--chip-color' as string]: info.color }} title={info.description}>
      {info.label}
    </span>
  );
}

import { JOB_STATE_COLORS, JOB_STATE_LABELS, type JobState } from '../../../../shared/model/job-state.ts';
import { errorTypeInfo } from './jobs-format.ts';

/** A job's state with its colour. */
export function StateBadge({ state }: { state: JobState }) {
  return (
    <span className="state-badge" style={{ ['--state-color' as string]: JOB_STATE_COLORS[state] }}>
      <span className="swatch" />
      {JOB_STATE_LABELS[state]}
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

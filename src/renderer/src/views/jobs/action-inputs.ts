import type { JobAction } from '../../../../shared/model/jobs.ts';
import { PARKED_RUN_AT_MS } from '../../../../shared/model/control.ts';

/** The values an action takes beyond its target. */
export interface ActionInputs {
  /** retry: when (ISO); null: now; '': "At" chosen with no whole time in the field yet. */
  runAt: string | null;
  message: string;
  priority: number;
  /** unlock: also release pools without the companion that took a lock recently. */
  force: boolean;
  /** retry: release this many jobs a minute (null: all at once). */
  perMinute: number | null;
  /** retry: only the jobs whose retry verdict is transient (the default for a retry of many jobs). */
  transientOnly: boolean;
}

/** The most jobs a minute a paced release takes (the contract's releasePace). */
export const MAX_PER_MINUTE = 1_000_000;

/** A pace the contract takes: a whole number of jobs a minute, 1 to MAX_PER_MINUTE. */
export const validPace = (perMinute: number): boolean => Number.isInteger(perMinute) && perMinute >= 1 && perMinute <= MAX_PER_MINUTE;

/**
 * Why the dialog's values cannot be sent, or null: said next to the fields before the operator confirms, as the
 * engine would refuse them after (the contract's runTime and releasePace), so that a slip keeps the dialog as typed.
 */
export function inputProblem(action: JobAction, inputs: ActionInputs): string | null {
  if (action !== 'retry') return null;
  if (inputs.runAt !== null) {
    const at = Date.parse(inputs.runAt);
    if (Number.isNaN(at)) return 'At: pick a date and time';
    if (at >= PARKED_RUN_AT_MS) return 'At: a run time must be before 9999-01-01 (where paused jobs are parked)';
  }
  const pace = inputs.perMinute;
  if (pace !== null && !validPace(pace)) return 'Release gradually: jobs a minute is a whole number from 1 to 1,000,000';
  return null;
}

/** What the operator should know of values that can be sent: a retry "at" a time already past runs at once. */
export function inputNote(action: JobAction, inputs: ActionInputs, now = Date.now()): string | null {
  if (action !== 'retry' || !inputs.runAt) return null;
  const at = Date.parse(inputs.runAt);
  return at < now - 60_000 ? 'At: this time has passed, so the jobs are due at once (as with Now)' : null;
}

/**
 * Retry verdicts: whether retrying a failed job is likely to help. Pure: the engine judges jobs and bulk retries
 * with it, the renderer shows what it says. A verdict is a property of the job's error type (the classifier's,
 * editable by the operator: see TypeVerdict), refined by the attempts Jobdeck saw of the job: an answer that varies
 * (a parse error) or an unknown error that failed the same way on every attempt will fail the same way again.
 */
import type { TypeVerdict } from './types.ts';

/** What the console says of a retry: likely to help, not worth it as is, or nothing known either way. */
export type RetryVerdictKind = 'transient' | 'permanent' | 'unknown';

/** Which rule gave the verdict. */
export type VerdictRule = 'type' | 'same_type_every_attempt' | 'same_text_every_attempt';

export interface RetryVerdict {
  verdict: RetryVerdictKind;
  rule: VerdictRule;
  /** One sentence for the operator, e.g. "Context length: retrying as is won't help". */
  reason: string;
}

/** One failed attempt Jobdeck saw of a job: its error text (bounded) and its type. */
export interface SeenFailure {
  error: string;
  type: string;
}

/** The repeat rules need at least this many failed attempts seen: one failure repeats nothing. */
export const MIN_REPEATED_ATTEMPTS = 2;

/**
 * Judges a retry of a job whose last error is of `type` (with `typeVerdict`, the classifier's verdict of that type)
 * from the failed attempts seen of it (any order; the last error need not be among them).
 * - transient types stay transient whatever the attempts say (a rate limit reads the same every time);
 * - permanent types are permanent;
 * - `varies` (parse errors) is transient, unless every attempt seen (at least two) failed with this type;
 * - `unknown` stays unknown, unless every attempt seen (at least two) failed with the identical text.
 */
export function judgeRetry(type: string, typeVerdict: TypeVerdict, label: string, failures: readonly SeenFailure[]): RetryVerdict {
  const n = failures.length;
  if (typeVerdict === 'transient') return { verdict: 'transient', rule: 'type', reason: `${label}: transient, a retry is likely to help` };
  if (typeVerdict === 'permanent') return { verdict: 'permanent', rule: 'type', reason: `${label}: retrying as is won't help` };
  if (n >= MIN_REPEATED_ATTEMPTS && failures.every((f) => f.error === failures[0].error) && failures[0].type === type)
    return { verdict: 'permanent', rule: 'same_text_every_attempt', reason: `the identical error on all ${n} attempts` };
  if (typeVerdict === 'varies') {
    if (n >= MIN_REPEATED_ATTEMPTS && failures.every((f) => f.type === type))
      return { verdict: 'permanent', rule: 'same_type_every_attempt', reason: `the same ${label.toLowerCase()} on all ${n} attempts` };
    return { verdict: 'transient', rule: 'type', reason: `${label}: the model's answer varies, a retry may parse` };
  }
  return { verdict: 'unknown', rule: 'type', reason: `${label}: no rule says whether a retry helps` };
}

/** The reason a "transient only" retry leaves a job out, grouped in the bulk report (so it names no job). */
export function leftOutReason(v: RetryVerdict): string {
  if (v.rule === 'same_text_every_attempt') return 'not transient: the identical error on every attempt';
  if (v.rule === 'same_type_every_attempt') return `not transient: ${v.reason.replace(/ on all \d+ attempts$/, '')} on every attempt`;
  return `not transient: ${v.reason}`;
}

/** The verdict of a group of jobs of one type, before their attempts are looked at (Failures and Stuck views). */
export function typeVerdictKind(typeVerdict: TypeVerdict): RetryVerdictKind {
  return typeVerdict === 'varies' ? 'transient' : typeVerdict;
}

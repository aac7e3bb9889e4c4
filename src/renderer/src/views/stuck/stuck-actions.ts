import type { RecoveryReport, StuckTarget, UnlockReport } from '../../../../shared/model/stuck.ts';
import type { BulkCall } from '../jobs/use-bulk-action.ts';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What an unlock did, in a line for its toast. */
export function unlockSummary(r: UnlockReport): string {
  const parts = [`${plural(r.jobsUnlocked, 'job')} and ${plural(r.queuesUnlocked, 'queue')} unlocked`];
  if (r.jobsExhausted) parts.push(`${r.jobsExhausted} out of attempts (now permanently failed: retry them)`);
  if (r.refused.length) parts.push(`${plural(r.refused.length, 'pool')} refused: ${r.refused[0].reason}`);
  return parts.join('; ');
}

/** What a recovery did, in a line for its toast. */
export function recoverySummary(r: RecoveryReport): string {
  return r.jobsUnlocked + r.queuesUnlocked === 0
    ? 'No earlier runner of this Jobdeck left anything locked'
    : `${plural(r.poolsFound, 'gone pool')}: ${plural(r.jobsUnlocked, 'job')} and ${plural(r.queuesUnlocked, 'queue')} unlocked, ${r.jobsRequeued} requeued`;
}

/**
 * A retry or cancel of a stuck-view group, as the operator asked for it. It runs like the Jobs view's actions
 * (BulkActionDialog): progress events, then the report, with the unlock it needed first.
 */
export interface StuckRequest {
  kind: 'retry' | 'cancel';
  target: StuckTarget;
  /** Retry at this time instead of now. */
  runAt?: string;
  /** Also unlock pools judged probably alive. */
  force?: boolean;
  /** retry: leave out the jobs whose own retry verdict says a retry won't help (stuck.retry transientOnly). */
  transientOnly?: boolean;
  /** The button's words: "Retry now", "Unlock and retry now", "Cancel". */
  label: string;
  /** What it applies to: "6 due translate_posting jobs". */
  subject: string;
  /** Asked before it runs; without one it runs at once (the buttons say what they do). */
  question?: { body: string; confirmLabel: string };
}

export function stuckCall(request: StuckRequest, actionId: string): BulkCall {
  const { target, force = false } = request;
  return request.kind === 'retry'
    ? {
        name: 'stuck.retry',
        input: {
          target,
          force,
          actionId,
          ...(request.runAt ? { runAt: request.runAt } : {}),
          ...(request.transientOnly ? { transientOnly: true } : {}),
        },
      }
    : { name: 'stuck.cancel', input: { target, force, actionId } };
}

/** Cancelling is never undone: always asked. */
export const CANCEL_QUESTION = {
  body: 'They are removed from the queue and kept as cancelled in Jobdeck\u2019s history.',
  confirmLabel: 'Cancel jobs',
};

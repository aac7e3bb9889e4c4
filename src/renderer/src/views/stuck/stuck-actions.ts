import { api } from '../../api/client.ts';
import { useToasts } from '../../store/toast-store.ts';
import type { StuckTarget, UnlockReport } from '../../../../shared/model/stuck.ts';
import type { BulkActionReport } from '../../../../shared/model/jobs.ts';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function unlockSummary(r: UnlockReport): string {
  const parts = [`${plural(r.jobsUnlocked, 'job')} and ${plural(r.queuesUnlocked, 'queue')} unlocked`];
  if (r.jobsExhausted) parts.push(`${r.jobsExhausted} out of attempts (now permanently failed: retry them)`);
  if (r.refused.length) parts.push(`${plural(r.refused.length, 'pool')} refused: ${r.refused[0].reason}`);
  return parts.join('; ');
}

function actionSummary(verb: string, r: BulkActionReport): string {
  const parts = [`${r.affected} of ${plural(r.requested, 'job')} ${verb}`];
  if (r.skipped) parts.push(`${r.skipped} skipped: ${r.skippedByReason[0]?.reason}`);
  if (r.unlock) parts.unshift(unlockSummary(r.unlock));
  return parts.join('; ');
}

async function run<T>(title: string, call: () => Promise<T>, summary: (r: T) => string): Promise<T | undefined> {
  const toasts = useToasts.getState();
  try {
    const result = await call();
    toasts.push('info', title, summary(result));
    return result;
  } catch (error) {
    toasts.push('error', `${title} failed`, (error as Error).message);
    return undefined;
  }
}

/** Unlocks pools (force: also pools judged probably alive) and says what it did, or why not. */
export const unlockPools = (poolIds: string[], force = false) =>
  run('Unlock', () => api.call('stuck.unlock', { poolIds, force }), unlockSummary);

export const retryTarget = (target: StuckTarget, options: { runAt?: string; force?: boolean } = {}) =>
  run(options.runAt ? 'Retry later' : 'Retry now', () => api.call('stuck.retry', { target, ...options }), (r) => actionSummary('retried', r));

export const cancelTarget = (target: StuckTarget, force = false) =>
  run('Cancel', () => api.call('stuck.cancel', { target, force }), (r) => actionSummary('cancelled', r));

export const runRecovery = () =>
  run('Recover', () => api.call('recovery.run', {}), (r) =>
    r.jobsUnlocked + r.queuesUnlocked === 0
      ? 'No earlier runner of this Jobdeck left anything locked'
      : `${plural(r.poolsFound, 'gone pool')}: ${plural(r.jobsUnlocked, 'job')} and ${plural(r.queuesUnlocked, 'queue')} unlocked, ${r.jobsRequeued} requeued`,
  );

import type { WorkerInfo } from '../../shared/model/workers.ts';

/**
 * The order an operator reads workers in: this console's runner, the live ones, those gone or stopped with jobs held (to unlock),
 * those only watched, then the ones that ended holding nothing (stopped, or gone), which a few runner restarts pile
 * up. Within each, the order they came in (the most recent heartbeat first).
 */
function rank(w: WorkerInfo): number {
  if (w.source === 'hosted') return 0;
  if (w.liveness === 'alive') return 1;
  // Stopped yet holding locks (its outcomes lost, say) needs the same unlock as a gone one.
  if ((w.liveness === 'gone' || w.liveness === 'stopped') && w.running.length > 0) return 2;
  if (w.liveness === 'unknown') return 3;
  return w.liveness === 'gone' ? 4 : 5;
}

/** Sorts a list (stably) in that order. */
export const byAttention = (a: WorkerInfo, b: WorkerInfo): number => rank(a) - rank(b);

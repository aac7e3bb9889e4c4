import type { WorkerLiveness } from '../../shared/model/workers.ts';

/** A heartbeat this many intervals late means the worker is gone. */
export const MISSED_HEARTBEATS = 3;

/**
 * A reporting worker's liveness from what it wrote itself: a clean stop is recorded; otherwise its heartbeat
 * decides. A process id alone is never trusted (a zombie, or a pid reused after a reboot, would look alive).
 */
export function companionLiveness(row: { stopped_at: Date | null; silent_ms: number; heartbeat_interval_ms: number }): {
  liveness: WorkerLiveness;
  reason: string;
} {
  if (row.stopped_at) return { liveness: 'stopped', reason: 'Stopped cleanly (it said so when it shut down)' };
  const seconds = Math.round(row.silent_ms / 1000);
  if (row.silent_ms > MISSED_HEARTBEATS * row.heartbeat_interval_ms) {
    return {
      liveness: 'gone',
      reason: `No heartbeat for ${seconds} s (more than ${MISSED_HEARTBEATS} intervals): the process died or lost the database`,
    };
  }
  return { liveness: 'alive', reason: `Heartbeat ${seconds} s ago` };
}

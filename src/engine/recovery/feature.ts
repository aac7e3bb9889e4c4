import type { EngineCore } from '../core.ts';
import type { EngineFeature } from '../feature.ts';
import { recoverSafely } from './recover.ts';

/**
 * Crash recovery at start-up: when a session opens (before the hosted runner starts), unlock what this data
 * folder's earlier, dead runner pools still hold. It never blocks start-up: failures are reported, not thrown.
 */
export function recoveryFeature(core: EngineCore): EngineFeature {
  return {
    name: 'recovery',
    async onSessionOpen(session) {
      if (!session.status.schema?.installed) return;
      await recoverSafely(core, session, 'startup');
    },
    /**
     * The runner has stopped (quit, or switching database). graphile-worker records the failure of a job aborted
     * at shutdown without waiting for it, and it is lost when the pool closes: the job would stay locked by a pool
     * that no longer exists. Unlocking the stopped pool's leftovers now lets any worker retry them at once.
     */
    async onSessionClose(session) {
      if (!session.status.schema?.installed || session.status.state !== 'online') return;
      await recoverSafely(core, session, 'shutdown');
    },
  };
}

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
  };
}

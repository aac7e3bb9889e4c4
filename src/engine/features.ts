import type { EngineCore } from './core.ts';
import type { EngineFeature } from './feature.ts';
import { recoveryFeature } from './recovery/feature.ts';
import { backfillFeature } from './backfill/feature.ts';
import { HistoryFeature } from './history/feature.ts';

/** Every engine feature, in start order. Add a feature with one line here. */
export function createFeatures(core: EngineCore): EngineFeature[] {
  return [recoveryFeature(core), backfillFeature(core), new HistoryFeature(core)];
}

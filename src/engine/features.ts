import type { EngineCore } from './core.ts';
import type { EngineFeature } from './feature.ts';

/** Every engine feature, in start order. Add a feature with one line here. */
export function createFeatures(_core: EngineCore): EngineFeature[] {
  return [];
}

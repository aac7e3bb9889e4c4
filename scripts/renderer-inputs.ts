import { inputsHash, RENDERER_INPUTS } from './inputs-hash.mjs';

/** Where a build records the hash of the inputs it was made from. */
export const STAMP = 'out/renderer/.inputs-hash';

/** A hash of every input's path and content: the same inputs give the same hash, whatever their timestamps. */
export function rendererInputsHash(root: string): string {
  return inputsHash(root, RENDERER_INPUTS);
}

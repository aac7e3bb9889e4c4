/** A hash of every input's path and content (see inputs-hash.mjs). */
export function inputsHash(root: string, inputs: string[]): string;
/** What the renderer's bundle is made from. */
export const RENDERER_INPUTS: string[];

/** A hash of every input's path and content (see inputs-hash.mjs). */
export function inputsHash(root: string, inputs: string[]): string;
/** What the renderer's bundle is made from. */
export const RENDERER_INPUTS: string[];
/** The hash a build stamped, or null when there is none (see inputs-hash.mjs). */
export function readStamp(root: string, stampFile: string): string | null;

/** Whether a build stamped with `stampFile` was made from the inputs as they are (see inputs-hash.mjs). */
export function stampCurrent(root: string, stampFile: string, inputs: string[]): boolean;

// A hash of a build's inputs, in plain JavaScript: `npm run serve` checks it before anything is compiled.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** What the renderer's bundle is made from: its sources, the shared contract and models, its build config, the lock file. */
export const RENDERER_INPUTS = ['src/renderer', 'src/shared', 'vite.renderer.config.ts', 'package-lock.json'];

/** Every file under `full` (or `full` itself), in a stable order. */
function files(full) {
  const stat = statSync(full, { throwIfNoEntry: false });
  if (!stat) return [];
  if (!stat.isDirectory()) return [full];
  return readdirSync(full)
    .sort()
    .flatMap((name) => files(path.join(full, name)));
}

/**
 * A hash of every input's path and content: the same inputs give the same hash, whatever their timestamps.
 * @param {string} root
 * @param {string[]} inputs paths relative to root (folders or files)
 * @returns {string}
 */
export function inputsHash(root, inputs) {
  const hash = createHash('sha256');
  for (const input of inputs) {
    for (const file of files(path.join(root, input))) {
      hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex');
}

/**
 * The hash a build stamped (see inputsHash), or null when there is none.
 * @param {string} root
 * @param {string} stampFile path relative to root
 * @returns {string | null}
 */
export function readStamp(root, stampFile) {
  try {
    return readFileSync(path.join(root, stampFile), 'utf8').trim();
  } catch {
    return null;
  }
}

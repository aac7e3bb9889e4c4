import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** What the renderer's bundle is made from: its sources, the shared contract and models, its build config, the lock file. */
const INPUTS = ['src/renderer', 'src/shared', 'vite.renderer.config.ts', 'package-lock.json'];

/** Where a build records the hash of the inputs it was made from. */
export const STAMP = 'out/renderer/.inputs-hash';

function files(full: string): string[] {
  if (!statSync(full, { throwIfNoEntry: false })) return [];
  if (!statSync(full).isDirectory()) return [full];
  return readdirSync(full)
    .sort()
    .flatMap((name) => files(path.join(full, name)));
}

/** A hash of every input's path and content: the same inputs give the same hash, whatever their timestamps. */
export function rendererInputsHash(root: string): string {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    for (const file of files(path.join(root, input))) {
      hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex');
}

/**
 * `npm run serve`'s first step: builds the renderer only when its inputs changed since the last build (any build
 * of it: `npm run build`, `npm test`, or this), so a start from a built checkout costs no build.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { rendererInputsHash, STAMP } from './renderer-inputs.ts';

const root = path.resolve(import.meta.dirname, '..');
let built: string | null = null;
try {
  built = readFileSync(path.join(root, STAMP), 'utf8').trim();
} catch {
  // never built
}
if (built !== rendererInputsHash(root)) {
  console.log(built ? 'jobdeck: the renderer changed since its last build: building it…' : 'jobdeck: building the renderer…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['run', '--silent', 'build:renderer'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
}

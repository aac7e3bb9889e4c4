#!/usr/bin/env node
// `npm run serve`: web mode, started from built files when they are current. Plain JavaScript, so nothing is
// compiled before the check: the renderer is rebuilt only when its sources changed (any build of it stamps its
// inputs), the server (src/server + the engine, bundled by esbuild, its packages left in node_modules) likewise,
// then the bundle runs in this same process.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inputsHash, readStamp, RENDERER_INPUTS } from './inputs-hash.mjs';

const root = path.resolve(import.meta.dirname, '..');
export const SERVER_INPUTS = ['src/server', 'src/engine', 'src/shared', 'src/worker', 'package-lock.json', 'scripts/serve.mjs'];
const RENDERER_STAMP = 'out/renderer/.inputs-hash';
export const SERVER_DIR = 'out/server';
const SERVER_STAMP = `${SERVER_DIR}/.inputs-hash`;

/** Builds the server bundle: the CLI, and the demo's worker process next to it (where the engine looks for it). */
export async function buildServer() {
  const { build } = await import('esbuild');
  const hash = inputsHash(root, SERVER_INPUTS);
  await build({
    entryPoints: { cli: path.join(root, 'src/server/cli.ts'), 'demo-worker': path.join(root, 'src/engine/demo/worker-process.ts') },
    outdir: path.join(root, SERVER_DIR),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  writeFileSync(path.join(root, SERVER_STAMP), hash);
}

if (import.meta.filename === process.argv[1]) {
  const renderer = readStamp(root, RENDERER_STAMP);
  if (renderer !== inputsHash(root, RENDERER_INPUTS)) {
    console.log(renderer ? 'jobdeck: the renderer changed since its last build: building it…' : 'jobdeck: building the renderer…');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    execFileSync(npm, ['run', '--silent', 'build:renderer'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  }
  if (readStamp(root, SERVER_STAMP) !== inputsHash(root, SERVER_INPUTS)) await buildServer();
  await import(pathToFileURL(path.join(root, SERVER_DIR, 'cli.js')).href);
}

#!/usr/bin/env node
// `npm run serve`: web mode, started from built files when they are current. Plain JavaScript, so nothing is
// compiled before the check: the renderer is rebuilt only when its sources changed (any build of it stamps its
// inputs), the server (src/server + the engine, bundled by esbuild, its packages left in node_modules) likewise,
// then the bundle runs in this same process.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inputsHash, readStamp, RENDERER_INPUTS, stampCurrent } from './inputs-hash.mjs';

const root = path.resolve(import.meta.dirname, '..');
export const SERVER_INPUTS = [
  'src/server',
  'src/engine',
  'src/shared',
  'src/worker',
  'package.json',
  'package-lock.json',
  'scripts/serve.mjs',
  'scripts/build',
];
const RENDERER_STAMP = 'out/renderer/.inputs-hash';
export const SERVER_DIR = 'out/server';
const SERVER_STAMP = `${SERVER_DIR}/.inputs-hash`;

const BUNDLED = ['zod', 're2js'];

/**
 * zod's namespace export carries its 40-odd locales (`z.locales`), about 300 KB of source the server would parse at
 * every start; Jobdeck's messages are zod's default English. The bundle's `locales` holds English alone.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}node_modules${path.sep}zod${path.sep}`)
        ? { path: path.join(root, 'scripts/build/zod-locales.mjs') }
        : undefined,
    );
  },
};
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

/** Builds the server bundle: the CLI, and next to it (where the engine looks for them) the demo's worker process and the runner's thread. */
export async function buildServer() {
  const { build } = await import('esbuild');
  const hash = inputsHash(root, SERVER_INPUTS);
  // Chunks are named by their content: the last build's must not pile up.
  rmSync(path.join(root, SERVER_DIR), { recursive: true, force: true });
  await build({
    entryPoints: {
      cli: path.join(root, 'src/server/cli.ts'),
      'demo-worker': path.join(root, 'src/engine/demo/worker-process.ts'),
      'runner-thread': path.join(root, 'src/engine/runner/thread/entry.ts'),
    },
    outdir: path.join(root, SERVER_DIR),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Packages stay in node_modules, but for pure JavaScript ones made of many modules: one file of them loads
    // faster than their hundred (zod alone, about 30 ms of every start).
    external: Object.keys(packageJson.dependencies).filter((name) => !BUNDLED.includes(name)),
    plugins: [zodEnglishOnly],
    // The CLI starts the embedded Postgres before it loads the engine (a dynamic import): chunks of their own, in the
    // same folder (the engine finds the demo worker's entry next to itself).
    splitting: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  writeFileSync(path.join(root, SERVER_STAMP), hash);
}

if (import.meta.filename === process.argv[1]) {
  if (!stampCurrent(root, RENDERER_STAMP, RENDERER_INPUTS)) {
    const built = readStamp(root, RENDERER_STAMP);
    console.log(built ? 'jobdeck: the renderer changed since its last build: building it…' : 'jobdeck: building the renderer…');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    execFileSync(npm, ['run', '--silent', 'build:renderer'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  }
  if (!stampCurrent(root, SERVER_STAMP, SERVER_INPUTS)) await buildServer();
  await import(pathToFileURL(path.join(root, SERVER_DIR, 'cli.js')).href);
}

#!/usr/bin/env node
// Packs the companion alone: a tarball named like the repository's package (`jobdeck`, so `import 'jobdeck/worker'`
// works unchanged) that holds only dist/worker and the companion's docs, with no dependencies of its own:
// graphile-worker and pg are the worker project's (peer dependencies). Installing the repository itself would bring
// the console's whole dependency list along. Run after `npm run build:worker` (`npm run pack:worker` does both).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const built = path.join(root, 'dist', 'worker');
const stage = path.join(root, 'dist', 'companion-package');
const destination = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'dist');

if (!existsSync(path.join(built, 'index.js'))) throw new Error('dist/worker is not built: run `npm run build:worker` first');
const repo = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

rmSync(stage, { recursive: true, force: true });
mkdirSync(path.join(stage, 'docs'), { recursive: true });
cpSync(built, path.join(stage, 'dist', 'worker'), { recursive: true });
for (const doc of ['companion.md', 'companion-schema.sql']) cpSync(path.join(root, 'docs', doc), path.join(stage, 'docs', doc));
cpSync(path.join(root, 'docs', 'companion.md'), path.join(stage, 'README.md'));

const manifest = {
  name: repo.name,
  version: repo.version,
  description: 'Jobdeck companion for graphile-worker: reports attempts, heartbeats and LLM usage, obeys cancel and pause',
  license: repo.license,
  type: 'module',
  exports: { './worker': repo.exports['./worker'], './package.json': './package.json' },
  files: ['dist/worker', 'docs'],
  engines: { node: '>=18' },
  // The companion loads graphile-worker's own pg and runs inside the user's graphile-worker: both stay theirs.
  peerDependencies: { 'graphile-worker': '>=0.16.0 <0.18.0', pg: '^8.0.0' },
};
writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

mkdirSync(destination, { recursive: true });
const [packed] = JSON.parse(
  execFileSync('npm', ['pack', stage, '--json', '--ignore-scripts', '--pack-destination', destination], { encoding: 'utf8' }),
);
console.log(path.join(destination, packed.filename));

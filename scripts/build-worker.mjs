#!/usr/bin/env node
// Builds the companion (`jobdeck/worker`) to plain ESM + CommonJS + type declarations under dist/worker/, checks
// that it imports nothing of the console, and writes docs/companion-schema.sql from the built module.
// Skipped when its inputs are those of the last build (a hash stamped beside dist/worker): `npm ci` (prepare),
// `npm test` and the companion's package test each ask for it, and the declarations cost tsc's start each time.
// `--force` builds.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { inputsHash, readStamp } from './inputs-hash.mjs';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist', 'worker');
const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
// Only node builtins and pg (a dependency of graphile-worker itself) may be imported at run time.
const allowed = new Set(['pg']);
const external = ['pg', 'graphile-worker', 'graphile-config'];

/** What the build is made from: the companion's sources, its tsconfig, this script, the version and the lock file. */
const INPUTS = [
  'src/worker',
  'tsconfig.base.json',
  'tsconfig.worker.json',
  'scripts/build-worker.mjs',
  'package.json',
  'package-lock.json',
];
// Beside dist/worker, not in it: the package ships dist/worker as it is.
const STAMP = 'dist/.worker-inputs-hash';
const SCHEMA_SQL = path.join(root, 'docs', 'companion-schema.sql');
const hash = inputsHash(root, INPUTS);
const outputs = ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts'].map((f) => path.join(out, f)).concat(SCHEMA_SQL);
if (!process.argv.includes('--force') && readStamp(root, STAMP) === hash && outputs.every((f) => existsSync(f))) {
  console.log(`dist/worker (jobdeck/worker ${version}) is current: its inputs have not changed since it was built`);
  process.exit(0);
}

rmSync(path.join(root, STAMP), { force: true });
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = {
  entryPoints: [path.join(root, 'src/worker/index.ts')],
  bundle: true,
  platform: 'node',
  target: 'node18',
  external,
  define: { __JOBDECK_VERSION__: JSON.stringify(version) },
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
};
const results = await Promise.all([
  build({ ...common, format: 'esm', outfile: path.join(out, 'index.js') }),
  build({ ...common, format: 'cjs', outfile: path.join(out, 'index.cjs') }),
]);

for (const result of results) {
  for (const [file, meta] of Object.entries(result.metafile.inputs)) {
    if (!file.startsWith('src/worker/')) throw new Error(`the companion bundles ${file}: only src/worker may be included`);
    for (const imp of meta.imports) {
      const name = imp.path.replace(/^node:/, '');
      if (imp.external && !allowed.has(imp.path) && !builtinModules.includes(name)) {
        throw new Error(`the companion imports ${imp.path} (from ${file}): only node builtins and pg are allowed`);
      }
    }
  }
}

// Declarations: tsc emits one .d.ts per module (with .ts specifiers, as written); rewrite them to .js for the
// ESM types and write a .cjs-flavoured copy (.d.cts) for `require`.
const typesTmp = path.join(out, '.types');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.worker.json'), '--outDir', typesTmp], {
  stdio: 'inherit',
});
for (const file of readdirSync(typesTmp)) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(path.join(typesTmp, file), 'utf8');
  const rewrite = (ext) => text.replace(/(from\s+|import\()(['"])(\.\.?\/[^'"]+)\.ts\2/g, `$1$2$3.${ext}$2`);
  writeFileSync(path.join(out, file), rewrite('js'));
  writeFileSync(path.join(out, file.replace(/\.d\.ts$/, '.d.cts')), rewrite('cjs'));
}
rmSync(typesTmp, { recursive: true, force: true });

// The schema as SQL for DBAs, from the module just built (a test checks the file matches).
const built = await import(pathToFileURL(path.join(out, 'index.js')).href);
writeFileSync(SCHEMA_SQL, built.printSchemaSql());
// Last, so that a build that failed half-way is never taken for current.
writeFileSync(path.join(root, STAMP), hash);
console.log(`built dist/worker (jobdeck/worker ${version}): index.js, index.cjs, *.d.ts, *.d.cts`);

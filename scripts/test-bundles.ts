/**
 * The test files as plain JavaScript for scripts/run-tests.ts: each bundled with its sources by esbuild (the packages
 * stay imports), so that the test processes run without a TypeScript loader. On Node 20, tsx's module hooks run on a
 * thread of their own and every module (the packages' too) makes a round trip to it: loading the engine and the test
 * helpers took 1.6-1.7 s of CPU through tsx against 0.8 s bundled (measured 2026-12-02), in each of the hundred-odd
 * test processes. Processes the tests start themselves (workers, the CLI) still run their .ts files through tsx.
 *
 * Each module keeps its own `import.meta.dirname`, `filename` and `url` (the tests find their fixtures by them): they
 * are written into the module's text before it is bundled. Source maps are linked, so stack traces name the .ts
 * lines (node runs the bundles with --enable-source-maps).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

/** Where the bundles go: inside the repository's node_modules, so that their package imports resolve as the sources' do. */
const BUNDLES_DIR = 'node_modules/.cache/jobdeck-test-bundles';
const BUNDLE_EXTENSION = '.mjs';

export interface TestBundles {
  dir: string;
  /** The bundle that runs a test file (both relative to the repository). */
  bundleOf: (file: string) => string;
  /** The test file a bundle runs (absolute or relative path in, relative path out); the path itself if it is no bundle. */
  sourceOf: (file: string) => string;
}

export async function bundleTests(root: string, files: string[]): Promise<TestBundles> {
  mkdirSync(path.join(root, BUNDLES_DIR), { recursive: true });
  const dir = mkdtempSync(path.join(root, BUNDLES_DIR, 'run-'));
  try {
    await bundle(root, files, dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const relativeDir = path.relative(root, dir);
  return {
    dir,
    bundleOf: (file) => path.join(relativeDir, file.replace(/\.tsx?$/, BUNDLE_EXTENSION)),
    sourceOf: (file) => {
      const relative = path.relative(root, path.resolve(root, file));
      if (!relative.startsWith(relativeDir + path.sep) || !relative.endsWith(BUNDLE_EXTENSION)) return relative;
      return relative.slice(relativeDir.length + 1, -BUNDLE_EXTENSION.length) + '.ts';
    },
  };
}

async function bundle(root: string, files: string[], dir: string): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: files,
    outbase: root,
    outdir: dir,
    outExtension: { '.js': BUNDLE_EXTENSION },
    bundle: true,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    // Names as written: tests and the engine read a few (a class's name in a message, a function's in a log).
    keepNames: true,
    plugins: [ownImportMeta(root)],
    logLevel: 'warning',
  });
}

/** Writes each source module's own import.meta.dirname, filename and url into its text (a bundle has one of each). */
function ownImportMeta(root: string): Plugin {
  const META = /\bimport\.meta\.(dirname|filename|url)\b/g;
  return {
    name: 'jobdeck-own-import-meta',
    setup(b) {
      b.onLoad({ filter: /\.(ts|tsx|mts|mjs|js)$/ }, (args) => {
        if (!args.path.startsWith(root + path.sep) || args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const text = readFileSync(args.path, 'utf8');
        const values = { dirname: path.dirname(args.path), filename: args.path, url: pathToFileURL(args.path).href };
        const contents = text.replace(META, (_m, key: keyof typeof values) => JSON.stringify(values[key]));
        const loader = args.path.endsWith('.tsx') ? 'tsx' : /\.m?ts$/.test(args.path) ? 'ts' : 'js';
        return { contents, loader };
      });
    },
  };
}

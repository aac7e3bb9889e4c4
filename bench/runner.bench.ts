/**
 * The hosted runner's throughput on a noop task, against graphile-worker's own `run()` with the same task,
 * concurrency and jobs, in the same run: what Jobdeck's bookkeeping (per-job abort, history, status) costs.
 * Each side, already running (the engine with its first counts in), drains JOBS jobs queued in one `add_jobs`
 * call; each goes first in half the rounds, so drift on a shared machine hits both.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import pg from 'pg';
import { Logger, run, runMigrations } from 'graphile-worker';
import { startEmbeddedPostgres } from '../src/engine/pg/embedded.ts';
import type { Engine, createEngine as CreateEngine } from '../src/engine/index.ts';
import { benchPool, callOp, median, postgresCpuMeter, settleQueue, type BenchResult } from './lib.ts';

const JOBS = Number(process.env.BENCH_JOBS ?? 5_000);
const CONCURRENCY = 10;
/**
 * BENCH_ROUNDS: an even number keeps each side first in half the rounds. On the 2-core machine the rounds' ratios
 * spread over about ±0.07 (a neighbour's load moves both sides' times by more than the runner's own cost); at 12
 * rounds the median of the rounds' ratios moves by about 0.02 from one run to the next, at 8 by about 0.03.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const quiet = new Logger(() => () => {});

/**
 * BENCH_THREADS=1 (Linux): each drain's time and the CPU of this process's threads over it, read from /proc (10 ms
 * ticks): the main thread, the busiest other (the hosted runner's thread), and the rest (V8's GC helpers, libuv).
 */
function threadTicks(): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(Number(tid), Number(fields[11]) + Number(fields[12])); // utime + stime
    } catch {
      // The thread ended meanwhile.
    }
  }
  return ticks;
}

function threadReport(kind: string, ms: number, before: Map<number, number>): string {
  const used = [...threadTicks()].map(([tid, t]) => [tid, (t - (before.get(tid) ?? 0)) * 10] as const);
  const main = used.find(([tid]) => tid === process.pid)?.[1] ?? 0;
  const others = used
    .filter(([tid]) => tid !== process.pid)
    .map(([, cpu]) => cpu)
    .sort((a, b) => b - a);
  const rest = others.slice(1).reduce((sum, cpu) => sum + cpu, 0);
  return `${kind} ${ms.toFixed(0)} ms; CPU ms: main thread ${main}, busiest other ${others[0] ?? 0}, the rest ${rest}`;
}

/**
 * BENCH_WAL=1: each drain's WAL flushes, from pg_stat_wal (track_wal_io_timing turned on for the run): how many, and
 * how long they took. Drains on this machine wait on them more than on CPU, and a slow drain is one of slow flushes.
 * A backend hands its counts to pg_stat_wal at most once a second, and an idle one up to 10 s later: the second
 * reading waits WAL_SETTLE_MS after the drain (untimed; a hosted console's own heartbeats and reads fall in it too).
 */
const WAL_SETTLE_MS = 11_000;
const WAL_SQL = `select wal_sync::float8 as syncs, wal_sync_time::float8 as sync_ms, wal_bytes::float8 as bytes from pg_stat_wal`;
type WalStats = { syncs: number; sync_ms: number; bytes: number };

async function walStats(pool: pg.Pool): Promise<WalStats | null> {
  if (!process.env.BENCH_WAL) return null;
  return (await pool.query<WalStats>(WAL_SQL)).rows[0];
}

function walReport(before: WalStats | null, after: WalStats | null): string {
  if (!before || !after) return '';
  return `; WAL ${after.syncs - before.syncs} syncs in ${(after.sync_ms - before.sync_ms).toFixed(0)} ms, ${((after.bytes - before.bytes) / 1e6).toFixed(1)} MB`;
}

async function queue(pool: pg.Pool): Promise<void> {
  await pool.query(
    `select graphile_worker.add_jobs(array_agg(row('noop', '{}'::json, null, null, null, null, null, null)::graphile_worker.job_spec))
     from generate_series(1, $1)`,
    [JOBS],
  );
}

async function drained(pool: pg.Pool): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from graphile_worker._private_jobs');
    if (rows[0].n === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * BENCH_DRAIN_PROFILE_DIR=<dir>: a CPU profile of each drain alone, `<dir>/<plain|hosted>-<n>.cpuprofile` (open it
 * in Chrome's DevTools). Of this thread only: the hosted runner's graphile-worker runs on a thread of its own, which
 * `node --cpu-prof` profiles (one file per thread). Returns the function that ends it, or null.
 */
async function drainProfile(kind: string): Promise<(() => Promise<void>) | null> {
  const dir = process.env.BENCH_DRAIN_PROFILE_DIR;
  if (!dir) return null;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(path.join(dir, `${kind}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}

/**
 * The engine as the console runs it: one esbuild bundle, as `npm run serve` and electron-vite build it. Through tsx
 * it would pay for the transform's helpers (keepNames: a call per closure made) that no shipped build has.
 */
async function builtEngine(): Promise<typeof CreateEngine> {
  const root = path.resolve(import.meta.dirname, '..');
  const dependencies = Object.keys(
    (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: object }).dependencies,
  );
  const outdir = path.join(root, 'out', 'bench');
  await build({
    // The runner's thread next to the engine, where the engine looks for it.
    entryPoints: { engine: path.join(root, 'src/engine/index.ts'), 'runner-thread': path.join(root, 'src/engine/runner/thread/entry.ts') },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: dependencies,
    logLevel: 'warning',
  });
  return ((await import(pathToFileURL(path.join(outdir, 'engine.js')).href)) as { createEngine: typeof CreateEngine }).createEngine;
}

export default async function bench(): Promise<BenchResult[]> {
  const createEngine = await builtEngine();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bench-runner-'));
  rmSync(tmp, { recursive: true, force: true });
  const server = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), ownedRoot: tmp });
  const pool = benchPool(server.connectionString, 2);
  const tasks = path.join(tmp, 'tasks');
  mkdirSync(tasks, { recursive: true });
  writeFileSync(path.join(tasks, 'noop.js'), 'module.exports = async () => {};\n');
  try {
    await runMigrations({ connectionString: server.connectionString, logger: quiet });
    if (process.env.BENCH_WAL) {
      await pool.query('alter system set track_wal_io_timing = on');
      await pool.query('select pg_reload_conf()');
    }
    const plain: number[] = [];
    const hosted: number[] = [];
    // CPU time per drain of this process (where both runners run) and of Postgres: steadier than the wall time.
    const plainCpu: Array<{ own: number; pg: number }> = [];
    const hostedCpu: Array<{ own: number; pg: number }> = [];
    const pgCpu = await postgresCpuMeter(pool);
    const timed = async (times: number[], cpus: Array<{ own: number; pg: number }>) => {
      const profile = await drainProfile(times === plain ? 'plain' : 'hosted');
      const own = process.cpuUsage();
      const ticks = process.env.BENCH_THREADS ? threadTicks() : null;
      const pgBefore = pgCpu?.() ?? NaN;
      const walBefore = await walStats(pool);
      const start = performance.now();
      await queue(pool);
      await drained(pool);
      times.push(performance.now() - start);
      const kind = times === plain ? 'plain ' : 'hosted';
      if (ticks) console.error(threadReport(kind, times[times.length - 1], ticks));
      const used = process.cpuUsage(own);
      cpus.push({ own: (used.user + used.system) / 1000, pg: (pgCpu?.() ?? NaN) - pgBefore });
      await profile?.();
      if (walBefore) {
        await new Promise((r) => setTimeout(r, WAL_SETTLE_MS));
        console.error(`${kind} ${times[times.length - 1].toFixed(0)} ms${walReport(walBefore, await walStats(pool))}`);
      }
    };
    const drainPlain = async () => {
      // A pool of our own, with its listeners: graphile-worker ends one it made without waiting, and a server that
      // stops in that moment (the last round, then server.stop()) crashed this bench with an unhandled 'error'.
      const runnerPool = benchPool(server.connectionString, 10);
      const runner = await run({
        pgPool: runnerPool,
        taskList: { noop: async () => {} },
        // The hosted runner's own graphile-worker settings (runner/host.ts): outcomes written in batches, which
        // saves round trips; compared without them, the hosted runner measured faster than run() itself.
        preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
        concurrency: CONCURRENCY,
        noHandleSignals: true,
        logger: quiet,
        pollInterval: 1000,
      });
      await settleQueue(pool);
      await timed(plain, plainCpu);
      await runner.stop();
      await runnerPool.end();
    };
    const caughtUp = async (engine: Engine): Promise<boolean> => {
      const exists = await pool.query<{ yes: boolean }>(`select to_regclass('jobdeck.attempts') is not null as yes`);
      if (!exists.rows[0].yes) return true;
      const { rows } = await pool.query<{ max: string }>(`select coalesce(max(id), 0)::text as max from jobdeck.attempts`);
      const { cursor } = (await callOp(engine, 'history.status')).companion;
      return BigInt(cursor ?? '0') >= BigInt(rows[0].max);
    };
    const drainHosted = async (round: number) => {
      const engine = createEngine({ dataDir: path.join(tmp, `engine-${round}`), mode: 'web', log: () => {} });
      await engine.start({ databaseUrl: server.connectionString, taskDirectory: tasks, concurrency: CONCURRENCY });
      // Started and settled: its first counts are in, so its start-up reads do not land in the drain.
      while (!engine.parts.sessions.current()?.latest()) await new Promise((r) => setTimeout(r, 50));
      // And caught up: a console on a fresh data folder reads every attempt the earlier rounds recorded; that
      // catch-up (5,000 more each round) had landed in the drain, and each round measured slower than the last.
      while (!(await caughtUp(engine))) await new Promise((r) => setTimeout(r, 50));
      // graphile-worker runs on the runner's thread, new with each console: one drain first, not counted, so that its
      // code is optimised as in a console that has run a while (as run()'s is from the rounds before); then the
      // console catches up with it.
      await queue(pool);
      await drained(pool);
      while (!(await caughtUp(engine))) await new Promise((r) => setTimeout(r, 50));
      // BENCH_RUNNER_WITHOUT=reader,watcher: what each costs, measured by stopping it (the console is then wrong).
      const without = (process.env.BENCH_RUNNER_WITHOUT ?? '').split(',');
      if (without.includes('reader')) await engine.parts.history.reader()?.stop();
      if (without.includes('watcher')) await engine.parts.history.watcher()?.stop();
      await settleQueue(pool);
      await timed(hosted, hostedCpu);
      await engine.stop(5_000);
    };
    // One drain of each side first, not counted: the first drains run code V8 has not optimised yet (the console's
    // far more of it than run()'s; rounds measured 0.42-0.83x before settling), where a console runs for hours.
    await drainPlain();
    await drainHosted(-1);
    for (const list of [plain, hosted, plainCpu, hostedCpu]) list.length = 0;
    // Each side goes first in half the rounds, and each drain starts from a vacuumed table and a checkpoint: the
    // drain after another otherwise pays for the autovacuum and the writes of its 5,000 dead rows.
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        await drainPlain();
        await drainHosted(round);
      } else {
        await drainHosted(round);
        await drainPlain();
      }
    }
    const plainMs = median(plain);
    const hostedMs = median(hosted);
    // Each round's two drains ran back to back, under the same load: the ratio within a round is the measure, and
    // the headline is their median (the ratio of the two sides' medians, which pairs drains of different rounds, is
    // shown too).
    const ratios = hosted.map((ms, i) => plain[i] / ms);
    const perJob = (cpus: Array<{ own: number; pg: number }>, key: 'own' | 'pg') =>
      ((median(cpus.map((c) => c[key])) / JOBS) * 1000).toFixed(0);
    return [
      {
        name: `hosted runner drains ${JOBS} noop jobs`,
        baseline: "graphile-worker's own run()",
        baselineMs: plainMs,
        candidateMs: hostedMs,
        notes:
          `throughput ${median(ratios).toFixed(2)}x of run() (target >= 0.95x; median of ${ROUNDS} rounds' ratios: ${ratios.map((r) => r.toFixed(2)).join(' ')}; ` +
          `ratio of the medians ${(plainMs / hostedMs).toFixed(2)}x): ${Math.round((JOBS / hostedMs) * 1000)} vs ${Math.round((JOBS / plainMs) * 1000)} jobs/s, ` +
          `concurrency ${CONCURRENCY}, after a warm-up drain each, both already running when the jobs are queued; ` +
          `CPU per job: this process ${perJob(hostedCpu, 'own')} vs ${perJob(plainCpu, 'own')} µs, Postgres ${perJob(hostedCpu, 'pg')} vs ${perJob(plainCpu, 'pg')} µs`,
      },
    ];
  } finally {
    await pool.end();
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The first sync of 1,000,000 jobs into SQLite by a running console, against a plain read of the same rows in the
 * same run: how long it takes, how long a trivial call (`app.status`) waits meanwhile (p50/p99, from when it was
 * due, so time the event loop was held counts), and the process' peak RSS during the sync.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Logger, runMigrations } from 'graphile-worker';
import { startEmbeddedPostgres } from '../src/engine/pg/embedded.ts';
import { createEngine, type Engine } from '../src/engine/index.ts';
import type { OpName, OpOutput } from '../src/shared/contract/index.ts';
import { seedJobs } from './history.bench.ts';
import { benchPool, postgresCpuMeter, settleQueue, type BenchResult } from './lib.ts';

/**
 * How long the settled console is watched, and the naive dashboard run, for their Postgres time per second. The
 * watch spans a whole cycle of what reads the table at rest (5 min: the history watcher's reconcile and the stuck
 * report's lock scan once, the monitor's count twice, the due jobs per task five times), so what is printed is the
 * average, not the quiet stretch between two passes.
 */
const WATCH_MS = 305_000;
const NAIVE_MS = 10_000;

/** A naive dashboard's refresh: every state counted through the public `jobs` view, in one query. */
const NAIVE_COUNT = `select count(*) filter (where locked_at is not null) as running,
    count(*) filter (where locked_at is null and attempts >= max_attempts) as failed,
    count(*) filter (where locked_at is null and attempts < max_attempts and run_at <= now()) as ready,
    count(*) filter (where locked_at is null and attempts < max_attempts and run_at > now()) as waiting
  from graphile_worker.jobs`;

/** A call is due this often; each waits for the previous one, as a polling console does. */
const CALL_EVERY_MS = 10;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/**
 * Calls app.status every CALL_EVERY_MS until `done()`, timing each from when it was due: a call that could not
 * start because the event loop was busy waited as long as a request from the browser would have.
 */
async function probe(call: () => Promise<unknown>, done: () => boolean, onTick: () => void): Promise<number[]> {
  const waits: number[] = [];
  let due = performance.now();
  while (!done()) {
    const delay = due - performance.now();
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    await call();
    const end = performance.now();
    waits.push(end - due);
    onTick();
    due = Math.max(due + CALL_EVERY_MS, end);
  }
  return waits;
}

export default async function syncBench(): Promise<BenchResult[]> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bench-sync-'));
  rmSync(tmp, { recursive: true, force: true });
  const server = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg') });
  const pool = benchPool(server.connectionString, 2);
  let engine: Engine | null = null;
  const step = (what: string) => console.error(`[sync bench] ${what}`);
  try {
    await runMigrations({ connectionString: server.connectionString, logger: new Logger(() => () => {}) });
    step('seeding 1,000,000 jobs');
    await seedJobs(pool);
    engine = createEngine({ dataDir: path.join(tmp, 'data'), mode: 'web', log: () => {} });
    const e = engine;
    const call = async <N extends OpName>(name: N, input: unknown = {}): Promise<OpOutput<N>> => {
      const r = await e.call(name, input);
      if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
      return r.data as OpOutput<N>;
    };
    step('first sync');
    let rssPeak = process.memoryUsage().rss;
    const rssBefore = rssPeak;
    const sampleRss = () => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss));
    await e.start({ databaseUrl: server.connectionString, runner: false });
    let syncMs: number | null = null;
    let ticks = 0;
    const during = await probe(
      () => call('app.status'),
      () => syncMs !== null,
      () => {
        sampleRss();
        // Every 200th tick (~2 s, as the console's status bar polls): has the first scan ended? history.status
        // counts the kept attempts in SQLite, so it is not the cheap call measured here.
        if (++ticks % 200 === 0)
          void call('history.status').then((s) => {
            if (s.lastScanMs !== null && s.watchedJobs > 0) syncMs = s.lastScanMs;
          });
      },
    );
    const watched = (await call('history.status')).watchedJobs;
    let idleEnd = performance.now() + 3000;
    const idle = await probe(
      () => call('app.status'),
      () => performance.now() > idleEnd,
      () => {},
    );
    // Settled: what watching a million jobs costs Postgres per second (counts, history watcher, readers), all idle.
    const cpu = await postgresCpuMeter(pool);
    // Both measured from a vacuumed table and a checkpoint: the seeding's autovacuum must not land in either.
    await settleQueue(pool);
    step(`watching for ${WATCH_MS / 1000} s`);
    const watchCpu0 = cpu?.() ?? 0;
    await new Promise((resolve) => setTimeout(resolve, WATCH_MS));
    const watchCpuPerS = cpu ? ((cpu() - watchCpu0) / WATCH_MS) * 1000 : NaN;
    await engine.stop(5_000);
    engine = null;

    await settleQueue(pool);
    step(`a naive dashboard for ${NAIVE_MS / 1000} s`);
    const naiveCpu0 = cpu?.() ?? 0;
    const naiveEnd = performance.now() + NAIVE_MS;
    let naiveCounts = 0;
    for (let due = performance.now(); performance.now() < naiveEnd; due += 1000) {
      await pool.query(NAIVE_COUNT);
      naiveCounts++;
      const wait = due + 1000 - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const naiveCpuPerS = cpu ? ((cpu() - naiveCpu0) / NAIVE_MS) * 1000 : NaN;

    step('plain read');
    const read = async () => {
      const start = performance.now();
      await pool.query(
        `select id, task_identifier, queue_name, attempts, max_attempts, locked_at, run_at, last_error from graphile_worker.jobs`,
      );
      return performance.now() - start;
    };
    const readMs = Math.min(await read(), await read());
    idleEnd = 0;
    return [
      {
        name: 'first sync of 1M jobs into SQLite',
        baseline: 'a plain read of the same rows (jobs view, one query)',
        baselineMs: readMs,
        candidateMs: syncMs ?? NaN,
        notes: `${watched.toLocaleString()} jobs watched; peak RSS ${Math.round(rssPeak / 1e6)} MB (${Math.round(rssBefore / 1e6)} MB before); ${during.length} app.status calls during it`,
      },
      {
        name: 'Postgres time per second of watching 1M jobs',
        baseline: 'a naive dashboard counting every state each second (jobs view)',
        baselineMs: naiveCpuPerS,
        candidateMs: watchCpuPerS,
        notes:
          `Postgres CPU ms per second (target: at least 20x less than the naive one); the console settled after its first sync, ` +
          `nothing changing, watched ${WATCH_MS / 1000} s; the naive dashboard made ${naiveCounts} counts in ${NAIVE_MS / 1000} s` +
          (cpu ? '' : '; not measured: no /proc here'),
      },
      {
        name: 'app.status p99 during the first sync',
        baseline: 'app.status p99 after it (idle)',
        baselineMs: percentile(idle, 99),
        candidateMs: percentile(during, 99),
        notes: `p50 ${percentile(during, 50).toFixed(1)} ms during, ${percentile(idle, 50).toFixed(1)} ms after; max ${Math.max(...during).toFixed(0)} ms`,
      },
    ];
  } finally {
    await engine?.stop(5_000).catch(() => {});
    await pool.end();
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

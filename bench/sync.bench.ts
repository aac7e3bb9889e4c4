/**
 * The first sync of 1,000,000 jobs into SQLite by a running console, against a plain read of the same rows in the
 * same run: how long it takes, how long a trivial call (`app.status`) waits meanwhile (p50/p99, from when it was
 * due, so time the event loop was held counts), and the process' peak RSS during the sync. Reads and syncs alternate
 * (BENCH_ROUNDS pairs, 3 by default), each sync into a fresh data folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Logger, runMigrations } from 'graphile-worker';
import { startEmbeddedPostgres } from '../src/engine/pg/embedded.ts';
import { createEngine, type Engine } from '../src/engine/index.ts';
import { seedJobs } from './history.bench.ts';
import { benchPool, callOp, median, postgresCpuMeter, settleQueue, type BenchResult } from './lib.ts';

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

/** Paired rounds of a plain read and a first sync (each into a fresh data folder). */
const SYNC_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** A full GC now (V8's gc(), exposed at run time: the bench runs without --expose-gc). */
const collectGarbage = (() => {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** A call is due this often; each waits for the previous one, as a polling console does. */
const CALL_EVERY_MS = 10;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** One call of the probe: how long it waited from when it was due, and when that was (epoch ms). */
interface Sample {
  wait: number;
  due: number;
}

/**
 * Calls app.status every CALL_EVERY_MS until `done()`, timing each from when it was due: a call that could not
 * start because the event loop was busy waited as long as a request from the browser would have.
 */
async function probe(call: () => Promise<unknown>, done: () => boolean, onTick: () => void): Promise<Sample[]> {
  const samples: Sample[] = [];
  let due = performance.now();
  while (!done()) {
    const delay = due - performance.now();
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    // A timer may fire up to a millisecond early (libuv's cached loop time): such a call is timed from its start,
    // not from a due time still ahead (the p50 had printed as -0.3 ms).
    const from = Math.min(due, performance.now());
    await call();
    const end = performance.now();
    samples.push({ wait: end - from, due: performance.timeOrigin + due });
    onTick();
    due = Math.max(due + CALL_EVERY_MS, end);
  }
  return samples;
}

export default async function syncBench(): Promise<BenchResult[]> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bench-sync-'));
  rmSync(tmp, { recursive: true, force: true });
  const server = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), ownedRoot: tmp });
  const pool = benchPool(server.connectionString, 2);
  let engine: Engine | null = null;
  const step = (what: string) => console.error(`[sync bench] ${what}`);
  try {
    await runMigrations({ connectionString: server.connectionString, logger: new Logger(() => () => {}) });
    step('seeding 1,000,000 jobs');
    await seedJobs(pool);
    // From a vacuumed table and a checkpoint, as the plain read below: otherwise the seeding's autovacuum (and the
    // hint bits of a million fresh rows) land in the first sync alone, on a machine of two cores.
    await settleQueue(pool);
    const read = async () => {
      const start = performance.now();
      await pool.query(
        `select id, task_identifier, queue_name, attempts, max_attempts, locked_at, run_at, last_error from graphile_worker.jobs`,
      );
      return performance.now() - start;
    };
    // Paired rounds, a first sync into a fresh data folder then a plain read, so drift on this shared machine hits
    // both; the ratio printed is the median of the rounds' own. Peak RSS is the first round's (a fresh process).
    const syncs: number[] = [];
    const reads: number[] = [];
    const during: number[] = [];
    let rssBefore = 0;
    let rssPeak = 0;
    let watched = 0;
    for (let round = 0; round < SYNC_ROUNDS; round++) {
      step(`first sync, round ${round + 1} of ${SYNC_ROUNDS}`);
      const e = createEngine({ dataDir: path.join(tmp, `data-${round}`), mode: 'web', log: () => {} });
      engine = e;
      const sampleRss = () => round === 0 && (rssPeak = Math.max(rssPeak, process.memoryUsage().rss));
      if (round === 0) rssBefore = rssPeak = process.memoryUsage().rss;
      await e.start({ databaseUrl: server.connectionString, runner: false });
      let syncMs: number | null = null;
      let syncEnd = 0;
      let ticks = 0;
      const samples = await probe(
        () => callOp(e, 'app.status'),
        () => syncMs !== null,
        () => {
          sampleRss();
          // Every 200th tick (~2 s, as the console's status bar polls): has the first scan ended? history.status
          // counts the kept attempts in SQLite, so it is not the cheap call measured here.
          if (++ticks % 200 === 0)
            void callOp(e, 'history.status').then((s) => {
              if (s.lastScanMs === null || s.lastScanAt === null || s.watchedJobs === 0) return;
              syncEnd = Date.parse(s.lastScanAt);
              syncMs = s.lastScanMs;
            });
        },
      );
      // Only the calls due before the sync ended: the probe notices the end up to 2 s late.
      for (const sample of samples) if (sample.due <= syncEnd) during.push(sample.wait);
      syncs.push(syncMs ?? NaN);
      watched = (await callOp(e, 'history.status')).watchedJobs;
      if (round < SYNC_ROUNDS - 1) {
        await e.stop(5_000);
        engine = null;
      }
      // The read after the sync (the first round's peak RSS is then a fresh process's), each followed by a full GC:
      // a million rows read as objects are garbage the next sync must not pay for.
      collectGarbage();
      reads.push(await read());
      collectGarbage();
    }
    const e = engine!;
    let idleEnd = performance.now() + 3000;
    const idle = (
      await probe(
        () => callOp(e, 'app.status'),
        () => performance.now() > idleEnd,
        () => {},
      )
    ).map((sample) => sample.wait);
    // Settled: what watching a million jobs costs Postgres per second (counts, history watcher, readers), all idle.
    const cpu = await postgresCpuMeter(pool);
    // Both measured from a vacuumed table and a checkpoint: the seeding's autovacuum must not land in either.
    await settleQueue(pool);
    step(`watching for ${WATCH_MS / 1000} s`);
    const watchCpu0 = cpu?.() ?? 0;
    await new Promise((resolve) => setTimeout(resolve, WATCH_MS));
    const watchCpuPerS = cpu ? ((cpu() - watchCpu0) / WATCH_MS) * 1000 : NaN;
    await e.stop(5_000);
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

    idleEnd = 0;
    return [
      {
        name: 'first sync of 1M jobs into SQLite',
        baseline: 'a plain read of the same rows (jobs view, one query)',
        baselineMs: median(reads),
        candidateMs: median(syncs),
        notes:
          `medians of ${SYNC_ROUNDS} paired rounds; each round's sync/read: ${syncs.map((ms, i) => (ms / reads[i]).toFixed(2)).join(' ')} ` +
          `(median ${median(syncs.map((ms, i) => ms / reads[i])).toFixed(2)}x, target 1.5x); syncs ${syncs.map((ms) => ms.toFixed(0)).join(', ')} ms, ` +
          `reads ${reads.map((ms) => ms.toFixed(0)).join(', ')} ms; ${watched.toLocaleString()} jobs watched; peak RSS in the first round ` +
          `${Math.round(rssPeak / 1e6)} MB (${Math.round(rssBefore / 1e6)} MB before); ${during.length} app.status calls during the syncs`,
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
        name: 'app.status p99 during the first syncs',
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

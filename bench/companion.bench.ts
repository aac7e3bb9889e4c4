/**
 * What the companion costs a user's worker: noop-task throughput of a separate graphile-worker process with
 * JobdeckPreset against the same process without it, on the same jobs, in the same run (rounds alternate so drift
 * on a shared machine hits both). Also prints the companion's statements per second: bounded by its flush and
 * heartbeat intervals, not by the job rate.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Logger, runMigrations } from 'graphile-worker';
import { startEmbeddedPostgres } from '../src/engine/pg/embedded.ts';
import { asyncContextIsCheap } from '../src/worker/async-context.ts';
import { benchPool, median, postgresCpuMeter, settleQueue, type BenchResult } from './lib.ts';

const JOBS = Number(process.env.BENCH_JOBS ?? 10_000);
const CONCURRENCY = 10;
/** BENCH_ROUNDS: a multiple of 4 keeps each kind in each position equally often (the Latin square below). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);

/** How the bench worker's task records usage: not at all, with its helpers, or found through AsyncLocalStorage. */
type UsageCall = 'none' | 'helpers' | 'context';

interface Worker {
  child: ChildProcess;
  request<T>(message: string, key: string): Promise<T>;
}

async function startWorker(connectionString: string, companion: boolean, usage: UsageCall = 'none'): Promise<Worker> {
  const child = fork(path.join(import.meta.dirname, 'fixtures/noop-worker.ts'), [], {
    // BENCH_PROFILE_DIR=<dir> writes a CPU profile of each worker there (open it in Chrome's DevTools).
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []),
    ],
    env: {
      ...process.env,
      BENCH_DATABASE_URL: connectionString,
      BENCH_COMPANION: companion ? '1' : '0',
      BENCH_USAGE: usage,
      BENCH_CONCURRENCY: String(CONCURRENCY),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(key: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (!(key in m)) return;
        child.off('message', onMessage);
        resolve(m[key] as T);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`the bench worker exited (${code}) before answering ${key}`)));
    });
  await next('ready');
  return {
    child,
    request<T>(message: string, key: string) {
      const answer = next<T>(key);
      child.send(message);
      return answer;
    },
  };
}

/**
 * BENCH_WARMUP: jobs each worker process drains first, not counted. Each drain has a new process, whose first jobs
 * run code V8 has not optimised yet (measured: about 30 µs more CPU a job over 10,000, on both sides), where a
 * worker runs for hours. 0: measure cold processes.
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2_000);

async function warm(pool: pg.Pool): Promise<void> {
  if (!WARMUP) return;
  await drain(pool, null, WARMUP);
  await settleQueue(pool);
}

async function stopWorker(worker: Worker): Promise<void> {
  const exited = new Promise((resolve) => worker.child.once('exit', resolve));
  worker.child.send('stop');
  await exited;
}

async function walLsn(pool: pg.Pool): Promise<string> {
  return (await pool.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows[0].lsn;
}

async function walSince(pool: pg.Pool, start: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 as n', [start]);
  return rows[0].n;
}

/**
 * Queues `jobs` jobs and waits until they are gone: the wall time, Postgres' CPU time when `cpu` can tell, and where
 * the WAL stood before (walSince: the bytes written since, exact at once, unlike pg_stat_wal's delayed counts).
 */
async function drain(pool: pg.Pool, cpu: (() => number) | null, jobs = JOBS): Promise<{ ms: number; pgMs: number; walStart: string }> {
  const cpuBefore = cpu?.() ?? NaN;
  const walStart = await walLsn(pool);
  const start = performance.now();
  await pool.query(
    `select graphile_worker.add_jobs(array_agg(row('noop', '{}'::json, null, null, null, null, null, null)::graphile_worker.job_spec))
     from generate_series(1, $1)`,
    [jobs],
  );
  for (;;) {
    const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from graphile_worker._private_jobs');
    if (rows[0].n === 0) return { ms: performance.now() - start, pgMs: (cpu?.() ?? NaN) - cpuBefore, walStart };
    await new Promise((r) => setTimeout(r, 20));
  }
}

export default async function bench(): Promise<BenchResult[]> {
  // The worker runs the companion as users install it (dist/worker, plain JS), built now from the current source:
  // through tsx it would pay for the transform's helpers (keepNames) that no installed copy has.
  execFileSync(process.execPath, [path.join(import.meta.dirname, '../scripts/build-worker.mjs')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bench-companion-'));
  const server = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), ownedRoot: tmp });
  const pool = benchPool(server.connectionString, 2);
  try {
    await runMigrations({ connectionString: server.connectionString, logger: new Logger(() => () => {}) });
    const plain: number[] = [];
    const withCompanion: number[] = [];
    const withUsage: number[] = [];
    const plainCpu: number[] = [];
    const companionCpu: number[] = [];
    const plainPg: number[] = [];
    const plainWal: number[] = [];
    const companionWal: number[] = [];
    const companionPg: number[] = [];
    const usageCpu: number[] = [];
    const usagePg: number[] = [];
    const withContext: number[] = [];
    const contextCpu: number[] = [];
    const cpu = await postgresCpuMeter(pool);
    let statementsPerSecond = 0;
    let attemptsWritten = 0;
    const drainRecording = async (how: UsageCall) => {
      const recording = await startWorker(server.connectionString, true, how);
      await warm(pool);
      const before = await recording.request<Record<string, number>>('stats', 'stats');
      const d = await drain(pool, cpu);
      await new Promise((r) => setTimeout(r, 500));
      const cpuMs = (await recording.request<Record<string, number>>('stats', 'stats')).cpuMs - before.cpuMs;
      await stopWorker(recording);
      return { ...d, cpuMs };
    };
    const runs = {
      plain: async () => {
        const bare = await startWorker(server.connectionString, false);
        await warm(pool);
        const bareBefore = await bare.request<Record<string, number>>('stats', 'stats');
        const d = await drain(pool, cpu);
        plain.push(d.ms);
        plainPg.push(d.pgMs);
        plainCpu.push((await bare.request<Record<string, number>>('stats', 'stats')).cpuMs - bareBefore.cpuMs);
        await new Promise((r) => setTimeout(r, 500));
        plainWal.push(await walSince(pool, d.walStart));
        await stopWorker(bare);
      },
      companion: async () => {
        const worker = await startWorker(server.connectionString, true);
        await warm(pool);
        const began = performance.now();
        const before = await worker.request<Record<string, number>>('stats', 'stats');
        const d = await drain(pool, cpu);
        withCompanion.push(d.ms);
        companionPg.push(d.pgMs);
        // Let the last flush land, so the rows written are all of the round's attempts.
        await new Promise((r) => setTimeout(r, 500));
        const after = await worker.request<Record<string, number>>('stats', 'stats');
        companionWal.push(await walSince(pool, d.walStart));
        const statements = (s: Record<string, number>) => s.flushes + s.heartbeats + s.retentionDeleted;
        statementsPerSecond = Math.max(
          statementsPerSecond,
          (statements(after) - statements(before)) / ((performance.now() - began) / 1000),
        );
        attemptsWritten = after.attemptsWritten - before.attemptsWritten;
        companionCpu.push(after.cpuMs - before.cpuMs);
        await stopWorker(worker);
      },
      // The same, with recordUsage(usage, helpers) on every job (validation, sums, the usage columns).
      usage: async () => {
        const d = await drainRecording('helpers');
        withUsage.push(d.ms);
        usagePg.push(d.pgMs);
        usageCpu.push(d.cpuMs);
      },
      // The same, with recordUsage(usage) alone: by default the first call turns AsyncLocalStorage on in the process.
      context: async () => {
        const d = await drainRecording('context');
        withContext.push(d.ms);
        contextCpu.push(d.cpuMs);
      },
    };
    // Each kind runs once in each position (a Latin square), and every drain starts from a vacuumed table and a
    // checkpoint: otherwise the drain after another pays for the autovacuum and the writes its 5,000 dead rows
    // cause, which put the same kind second every round and skewed the ratio by up to 20 %.
    // BENCH_KINDS=plain,companion: only these kinds (the others' results print as NaN).
    const kinds = process.env.BENCH_KINDS?.split(',');
    const order = (['plain', 'companion', 'usage', 'context'] as const).filter((k) => !kinds || kinds.includes(k));
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < order.length; i++) {
        await settleQueue(pool);
        await runs[order[(round + i) % order.length]]();
      }
    }
    const plainMs = median(plain);
    const companionMs = median(withCompanion);
    // Each round's own ratio (the kinds ran back to back): drift between rounds cancels out of these, and their median
    // is the headline, as in runner.bench.ts.
    const paired = withCompanion.map((ms, i) => plain[i] / ms);
    const perJob = (ms: number[]) => ((median(ms) / JOBS) * 1000).toFixed(0);
    const rate = (ms: number) => Math.round((JOBS / ms) * 1000);
    const usageMs = median(withUsage);
    const contextMs = median(withContext);
    return [
      {
        name: `worker with the companion drains ${JOBS} noop jobs`,
        baseline: 'the same worker process without it',
        baselineMs: plainMs,
        candidateMs: companionMs,
        notes:
          `throughput ${median(paired).toFixed(2)}x (target >= 0.97x; median of ${ROUNDS} rounds' ratios: ${paired.map((r) => r.toFixed(2)).join(' ')}; ` +
          `ratio of the medians ${(plainMs / companionMs).toFixed(2)}x): ${rate(companionMs)} vs ${rate(plainMs)} jobs/s, concurrency ${CONCURRENCY}, ` +
          `${WARMUP ? `after a warm-up drain of ${WARMUP} in each process` : 'cold processes'}; CPU per job: ` +
          `worker ${perJob(companionCpu)} vs ${perJob(plainCpu)} µs, Postgres ${perJob(companionPg)} vs ${perJob(plainPg)} µs; WAL per job ${(median(companionWal) / JOBS).toFixed(0)} vs ${(median(plainWal) / JOBS).toFixed(0)} bytes; the companion wrote ${attemptsWritten} attempts in at most ` +
          `${statementsPerSecond.toFixed(1)} statements/s (flushes + heartbeats), whatever the job rate`,
      },
      {
        name: `the same with recordUsage(usage, helpers) on every job`,
        baseline: 'the worker with the companion, no usage',
        baselineMs: companionMs,
        candidateMs: usageMs,
        notes:
          `throughput ${(companionMs / usageMs).toFixed(2)}x of the companion without usage (target >= 0.97x): ${rate(usageMs)} jobs/s, ` +
          `median of ${ROUNDS} (rounds: ${withUsage.map((ms, i) => (withCompanion[i] / ms).toFixed(2)).join(' ')}); CPU per job: ` +
          `worker ${perJob(usageCpu)} vs ${perJob(companionCpu)} µs, Postgres ${perJob(usagePg)} vs ${perJob(companionPg)} µs`,
      },
      {
        name: `the same with recordUsage(usage) alone on every job`,
        baseline: 'the worker with the companion, no usage',
        baselineMs: companionMs,
        candidateMs: contextMs,
        notes:
          `throughput ${(companionMs / contextMs).toFixed(2)}x of the companion without usage: ${rate(contextMs)} jobs/s, ` +
          `median of ${ROUNDS} (rounds: ${withContext.map((ms, i) => (withCompanion[i] / ms).toFixed(2)).join(' ')}); CPU per job: ` +
          `worker ${perJob(contextCpu)} vs ${perJob(companionCpu)} µs. Found through AsyncLocalStorage, which its first call turns ` +
          `on (Node ${process.versions.node}${asyncContextIsCheap() ? ', where it costs next to nothing' : ': V8 promise hooks for every promise of the process'})`,
      },
    ];
  } finally {
    await pool.end();
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

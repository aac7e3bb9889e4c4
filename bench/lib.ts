import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Logger, runMigrations } from 'graphile-worker';
import { startEmbeddedPostgres } from '../src/engine/pg/embedded.ts';
import type { Engine } from '../src/engine/index.ts';
import type { OpName, OpOutput } from '../src/shared/contract/index.ts';

/** One comparison: the candidate against a baseline measured in the same run, on the same data. */
export interface BenchResult {
  name: string;
  /** What the baseline is, e.g. "count through the public jobs view". */
  baseline: string;
  baselineMs: number;
  candidateMs: number;
  /** Free-form facts worth printing (rows, memory, ...). */
  notes?: string;
}

/** The median of some timings (the mean of the middle two when their count is even). */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[Math.floor(mid)];
}

/**
 * The same start for every drain of graphile-worker's queue: no dead rows left to vacuum, no dirty pages left to
 * write. Without it the drain after another pays for the other's deletions (autovacuum, checkpoint writes).
 */
export async function settleQueue(pool: Pick<pg.Pool, 'query'>): Promise<void> {
  await pool.query('vacuum (analyze) graphile_worker._private_jobs, graphile_worker._private_job_queues');
  // The companion's tables too, once they exist: a bench's young attempts table passes autovacuum's thresholds (a
  // tenth of its rows new, for analyze) every drain or two, and that work landed in whichever drain came next.
  const { rows } = await pool.query<{ yes: boolean }>(`select to_regclass('jobdeck.attempts') is not null as yes`);
  if (rows[0].yes) await pool.query('vacuum (analyze) jobdeck.attempts, jobdeck.task_minutes');
  await pool.query('checkpoint');
}

/** An operation of an engine the bench runs: its output, or an error naming the operation. */
export async function callOp<N extends OpName>(engine: Engine, name: N, input: unknown = {}): Promise<OpOutput<N>> {
  const r = await engine.call(name, input);
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return r.data as OpOutput<N>;
}

/** Median wall time of `runs` calls of `fn` (after one warm-up). */
export async function timeMedian(fn: () => unknown, runs = 5): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

export function formatResults(results: BenchResult[]): string {
  const lines = results.map((r) => {
    const ratio = r.candidateMs > 0 ? r.baselineMs / r.candidateMs : Infinity;
    return `${r.name.padEnd(48)} ${r.candidateMs.toFixed(1).padStart(9)} ms  vs ${r.baselineMs.toFixed(1).padStart(9)} ms  ${ratio.toFixed(1).padStart(6)}x faster than ${r.baseline}${r.notes ? `  (${r.notes})` : ''}`;
  });
  return lines.join('\n');
}

/**
 * A meter of the CPU time Postgres spends (Linux /proc): the postmaster, its live children, and the children it has
 * reaped (their time lands in its cutime/cstime), so short-lived connections count too. Null where /proc is missing.
 * `pool` must reach the server measured: the postmaster is the parent of its backend.
 */
export async function postgresCpuMeter(pool: Pick<pg.Pool, 'query'>): Promise<(() => number) | null> {
  const { readFileSync, readdirSync } = await import('node:fs');
  const stat = (pid: number | string) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticksToMs = 10; // USER_HZ is 100 on Linux
  try {
    const { rows } = await pool.query<{ pid: number }>('select pg_backend_pid() as pid');
    const postmaster = Number(stat(rows[0].pid)[1]);
    return () => {
      const p = stat(postmaster);
      // Fields after the command: state, ppid, ... utime (index 11), stime, cutime, cstime.
      let ticks = Number(p[11]) + Number(p[12]) + Number(p[13]) + Number(p[14]);
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const s = stat(entry);
          if (Number(s[1]) === postmaster) ticks += Number(s[11]) + Number(s[12]);
        } catch {
          // the process ended while we looked
        }
      }
      return ticks * ticksToMs;
    };
  } catch {
    return null;
  }
}

/**
 * A pg pool for a bench, with the listeners graphile-worker expects of a pool it is given: a connection the server
 * closes (its shutdown at the end of a bench, or while a runner stops) must not crash the bench with an unhandled
 * 'error' on the pool or on a checked-out client.
 */
export function benchPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/**
 * A bench's own embedded Postgres with graphile-worker's schema, seeded by `seed`, for the time of `fn`: then the
 * pool is ended, the server stopped and its folder removed.
 */
export async function withSeededDatabase<T>(
  name: string,
  seed: (pool: pg.Pool) => Promise<void>,
  fn: (pool: pg.Pool) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `jobdeck-bench-${name}-`));
  rmSync(dir, { recursive: true, force: true });
  const server = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), ownedRoot: dir });
  const pool = benchPool(server.connectionString, 6);
  try {
    await runMigrations({ connectionString: server.connectionString, logger: new Logger(() => () => {}) });
    await seed(pool);
    return await fn(pool);
  } finally {
    await pool.end();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

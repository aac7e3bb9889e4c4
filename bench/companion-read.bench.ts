/**
 * How fast the console takes in what the companions write: a console connects to a database whose `jobdeck.attempts`
 * holds ATTEMPTS rows it has never read (a new console, or one back after a long time away) and reads them all into
 * its SQLite history, against a plain paged read of the same rows by id (what any reader must at least do).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Logger, runMigrations } from 'graphile-worker';
import { startEmbeddedPostgres } from '../src/engine/pg/embedded.ts';
import { createEngine } from '../src/engine/index.ts';
import { printSchemaSql } from '../src/worker/index.ts';
import { benchPool, callOp, type BenchResult } from './lib.ts';

const ATTEMPTS = 200_000;
const PAGE = 1_000;

async function seed(pool: pg.Pool): Promise<void> {
  const sql = printSchemaSql();
  await pool.query(sql.slice(0, sql.indexOf('commit;') + 'commit;'.length));
  // 90% successes, 10% failures with a realistic error, over four pools and three tasks, in the last hour.
  await pool.query(
    `insert into jobdeck.attempts (job_id, task, queue, attempt, max_attempts, started_at, finished_at, duration_ms, outcome, error,
                                   pool_id, model, input_tokens, output_tokens, cost_usd)
     select i, (array['generate_insight', 'enrich_record', 'summarize'])[1 + i % 3], null, 1, 25,
            now() - interval '1 hour' + i * interval '10 ms', now() - interval '1 hour' + i * interval '10 ms' + interval '800 ms', 800,
            case when i % 10 = 0 then 'failure' else 'success' end,
            case when i % 10 = 0 then 'Error code: 429 - You exceeded your current quota, please check your plan and billing details' end,
            'pool-' || (i % 4), 'gpt-4o-mini', 900, 120, 0.0002
     from generate_series(1, $1) i`,
    [ATTEMPTS],
  );
  await pool.query('vacuum analyze jobdeck.attempts');
}

async function plainRead(pool: pg.Pool): Promise<number> {
  const start = performance.now();
  let cursor = 0;
  for (;;) {
    const { rows } = await pool.query<{ id: string }>(`select * from jobdeck.attempts where id > $1 order by id limit ${PAGE}`, [cursor]);
    if (!rows.length) return performance.now() - start;
    cursor = Number(rows[rows.length - 1].id);
  }
}

async function consoleRead(connectionString: string, dataDir: string): Promise<{ ms: number; appStatusP99: number }> {
  const engine = createEngine({ dataDir, mode: 'web', log: () => {} });
  const start = performance.now();
  await engine.start({ databaseUrl: connectionString, runner: false });
  const waits: number[] = [];
  try {
    for (;;) {
      const asked = performance.now();
      await engine.call('app.status', {});
      waits.push(performance.now() - asked);
      if ((await callOp(engine, 'history.status')).companion.recorded >= ATTEMPTS) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const ms = performance.now() - start;
    waits.sort((a, b) => a - b);
    return { ms, appStatusP99: waits[Math.floor(waits.length * 0.99)] };
  } finally {
    await engine.stop(5_000);
  }
}

export default async function bench(): Promise<BenchResult[]> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bench-companion-read-'));
  const server = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), ownedRoot: tmp });
  const pool = benchPool(server.connectionString, 2);
  try {
    await runMigrations({ connectionString: server.connectionString, logger: new Logger(() => () => {}) });
    await seed(pool);
    await plainRead(pool); // warm the cache for both
    const plainMs = await plainRead(pool);
    const read = await consoleRead(server.connectionString, path.join(tmp, 'console'));
    return [
      {
        name: `console reads ${ATTEMPTS.toLocaleString('en')} companion attempts`,
        baseline: 'a plain paged read of the same rows',
        baselineMs: plainMs,
        candidateMs: read.ms,
        notes:
          `${Math.round((ATTEMPTS / read.ms) * 1000).toLocaleString('en')} attempts/s into the SQLite history ` +
          `(the plain read: ${Math.round((ATTEMPTS / plainMs) * 1000).toLocaleString('en')} rows/s); app.status p99 ` +
          `${read.appStatusP99.toFixed(0)} ms meanwhile; from connect to the last row recorded`,
      },
    ];
  } finally {
    await pool.end();
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

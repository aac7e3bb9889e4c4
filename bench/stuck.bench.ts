/**
 * The stuck view at scale: 1,000,000 jobs, 1,000 of them locked (half by a dead pool), 20,000 permanently
 * failed with long messages, 200 named queues. Each read of the stuck report is compared with the naive way,
 * through the public `jobs` view, with grouping and classification in memory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Logger, runMigrations } from 'graphile-worker';
import { startEmbeddedPostgres } from '../src/engine/pg/embedded.ts';
import { dueByTask, lockedQueues } from '../src/engine/stuck/queries.ts';
import { scanLocksAndFailures } from '../src/engine/stuck/scan-query.ts';
import { classifyError } from '../src/shared/errors/index.ts';
import { benchPool, timeMedian, type BenchResult } from './lib.ts';

const JOBS = 1_000_000;

async function seed(pool: pg.Pool): Promise<void> {
  await pool.query(`insert into graphile_worker._private_tasks (identifier) values ('generate_insight'), ('enrich_record'), ('summarize')`);
  await pool.query(`insert into graphile_worker._private_job_queues (queue_name, locked_at, locked_by)
    select 'student-' || i, case when i % 20 = 0 then now() - interval '1 hour' end, case when i % 20 = 0 then 'pool-dead' end
    from generate_series(1, 200) i`);
  // Realistic rows for the bench database only: 2% permanently failed (three kinds of message, some long),
  // 0.1% locked (half by a pool dead for an hour), 5% in named queues, the rest waiting.
  await pool.query(`
    with t as (select array_agg(id order by id) as ids from graphile_worker._private_tasks),
         q as (select array_agg(id order by id) as ids from graphile_worker._private_job_queues)
    insert into graphile_worker._private_jobs (task_id, job_queue_id, payload, run_at, attempts, max_attempts, last_error, locked_at, locked_by)
    select t.ids[1 + i % 3], case when i % 20 = 0 then q.ids[1 + i % 200] end, '{}'::json,
           now() - (i % 600) * interval '1 second',
           case when i % 50 = 0 then 5 when i % 1000 = 1 then 1 else 0 end, 5,
           case when i % 50 = 0 then (array['Error code: 429 - You exceeded your current quota for request ' || i,
                                             'Request timed out after 300 seconds',
                                             'ValidationError: 3 validation errors for Insight ' || repeat('input_value=... ', 200)])[1 + i % 3] end,
           case when i % 1000 = 1 then now() - case when i % 2000 = 1 then interval '1 hour' else interval '30 seconds' end end,
           case when i % 1000 = 1 then case when i % 2000 = 1 then 'pool-dead' else 'pool-live' end end
    from t, q, generate_series(1, ${JOBS}) i`);
  await pool.query('vacuum analyze graphile_worker._private_jobs');
}

/** The naive stuck report: locked and failed jobs through the public view, grouped and classified in memory. */
async function naive(pool: pg.Pool): Promise<number> {
  const locked = await pool.query<{ locked_by: string }>(
    `select id, task_identifier, queue_name, locked_at, locked_by from graphile_worker.jobs where locked_at is not null`,
  );
  const byPool = new Map<string, number>();
  for (const r of locked.rows) byPool.set(r.locked_by, (byPool.get(r.locked_by) ?? 0) + 1);
  const failed = await pool.query<{ task_identifier: string; last_error: string | null }>(
    `select task_identifier, last_error from graphile_worker.jobs where locked_at is null and attempts >= max_attempts`,
  );
  const groups = new Map<string, number>();
  for (const r of failed.rows) {
    const key = `${r.task_identifier}/${classifyError(r.last_error)}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  const due = await pool.query(`select task_identifier, count(*)::int as n, min(run_at) as oldest from graphile_worker.jobs
    where locked_at is null and attempts < max_attempts and run_at <= now() group by 1`);
  return byPool.size + groups.size + due.rows.length;
}

async function candidate(pool: pg.Pool): Promise<number> {
  const [scan, queues, due] = await Promise.all([scanLocksAndFailures(pool, { lockedLimit: 5000 }), lockedQueues(pool), dueByTask(pool)]);
  const groups = new Set(scan.failed.map((f) => `${f.task}/${classifyError(f.head)}`));
  return scan.pools.length + scan.jobs.length + queues.length + due.length + groups.size;
}

export default async function stuckBench(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bench-stuck-'));
  rmSync(dir, { recursive: true, force: true });
  const server = await startEmbeddedPostgres({ dir: path.join(dir, 'pg') });
  const pool = benchPool(server.connectionString, 6);
  try {
    await runMigrations({ connectionString: server.connectionString, logger: new Logger(() => () => {}) });
    await seed(pool);
    const scanMs = await timeMedian(() =>
      scanLocksAndFailures(pool, { lockedLimit: 5000 }).then((r) => r.failed.forEach((f) => classifyError(f.head))),
    );
    const scanNaiveMs = await timeMedian(async () => {
      await pool.query(
        `select id, task_identifier, queue_name, locked_at, locked_by from graphile_worker.jobs where locked_at is not null`,
      );
      const failed = await pool.query<{ last_error: string | null }>(
        `select task_identifier, last_error from graphile_worker.jobs where locked_at is null and attempts >= max_attempts`,
      );
      failed.rows.forEach((row) => classifyError(row.last_error));
    });
    const dueMs = await timeMedian(() => dueByTask(pool));
    const dueNaiveMs = await timeMedian(() =>
      pool.query(`select task_identifier, count(*)::int as n, min(run_at) from graphile_worker.jobs
      where locked_at is null and attempts < max_attempts and run_at <= now() group by 1`),
    );
    const reportMs = await timeMedian(() => candidate(pool));
    const naiveMs = await timeMedian(() => naive(pool));
    const { rows } = await pool.query<{ n: number }>(
      `select count(*)::int as n from graphile_worker._private_jobs where attempts >= max_attempts`,
    );
    return [
      {
        name: 'stuck: locks + failure groups (one pass)',
        baseline: 'locked + failed via jobs view, classify all',
        baselineMs: scanNaiveMs,
        candidateMs: scanMs,
        notes: `${rows[0].n} failed of ${JOBS}`,
      },
      {
        name: 'stuck: due jobs per task (partial index)',
        baseline: 'group by through the jobs view',
        baselineMs: dueNaiveMs,
        candidateMs: dueMs,
      },
      { name: 'stuck: whole report', baseline: 'naive report via jobs view', baselineMs: naiveMs, candidateMs: reportMs },
    ];
  } finally {
    await pool.end();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

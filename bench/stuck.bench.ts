/**
 * The stuck view at scale: 1,000,000 jobs, 1,000 of them locked (half by a dead pool), 20,000 permanently
 * failed with long messages, 200 named queues (10 of them locked, with jobs waiting behind). Each read of the
 * stuck report is compared with the naive way, through the public `jobs` view, with grouping and classification
 * in memory. The console's report is built on the monitor's count, which the overview makes anyway: its cost is
 * printed too, against the same naive report.
 */
import pg from 'pg';
import { countJobs } from '../src/engine/monitor/count-query.ts';
import type { Counted } from '../src/engine/monitor/monitor.ts';
import { failedGroupsWithIds } from '../src/engine/stuck/scan-query.ts';
import { StuckReads, type TableReads } from '../src/engine/stuck/table-reads.ts';
import { classifyError } from '../src/shared/errors/index.ts';
import { withSeededDatabase, median, timeMedian, type BenchResult } from './lib.ts';

const JOBS = 1_000_000;

export async function seed(pool: pg.Pool): Promise<void> {
  await pool.query(`insert into graphile_worker._private_tasks (identifier) values ('generate_insight'), ('enrich_record'), ('summarize')`);
  await pool.query(`insert into graphile_worker._private_job_queues (queue_name, locked_at, locked_by)
    select 'student-' || i, case when i % 20 = 0 then now() - interval '1 hour' end, case when i % 20 = 0 then 'pool-dead' end
    from generate_series(1, 200) i`);
  // Realistic rows for the bench database only: 2% permanently failed (three kinds of message, some long),
  // 0.1% locked (half by a pool dead for an hour), 5% in named queues, the rest waiting. Added a day ago: a failure's
  // time is worked back from its run_at (count-query's FAILED_AT), and one that would land before its job's last
  // change is dated at that change; rows changed at the seed would make all 20,000 failures "just now", a storm the
  // report rightly reads in full, rather than the old failures the bench means.
  await pool.query(`
    with t as (select array_agg(id order by id) as ids from graphile_worker._private_tasks),
         q as (select array_agg(id order by id) as ids from graphile_worker._private_job_queues)
    insert into graphile_worker._private_jobs (task_id, job_queue_id, payload, run_at, attempts, max_attempts, last_error, locked_at, locked_by,
                                               created_at, updated_at)
    select t.ids[1 + i % 3], case when i % 20 = 0 then q.ids[1 + (i / 20) % 200] end, '{}'::json,
           now() - (i % 600) * interval '1 second',
           case when i % 50 = 0 then 5 when i % 1000 = 1 then 1 else 0 end, 5,
           case when i % 50 = 0 then (array['Error code: 429 - You exceeded your current quota for request ' || i,
                                             'Request timed out after 300 seconds',
                                             'ValidationError: 3 validation errors for Insight ' || repeat('input_value=... ', 200)])[1 + i % 3] end,
           case when i % 1000 = 1 then now() - case when i % 2000 = 1 then interval '1 hour' else interval '30 seconds' end end,
           case when i % 1000 = 1 then case when i % 2000 = 1 then 'pool-dead' else 'pool-live' end end,
           now() - interval '1 day', now() - interval '1 day'
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

/** What the report does with what it read: classify the failed groups. */
function classified(reads: TableReads): number {
  const groups = new Set(reads.failed.map((f) => `${f.task}/${classifyError(f.head)}`));
  return reads.pools.length + reads.jobs.length + reads.queues.length + reads.due.length + groups.size;
}

export default async function stuckBench(): Promise<BenchResult[]> {
  return withSeededDatabase('stuck', seed, async (pool) => {
    const count = async (): Promise<Counted> => {
      const startedAt = Date.now();
      return { result: await countJobs(pool), startedAt, endedAt: Date.now(), asOf: startedAt };
    };
    const counted = await count();
    const changing = () => false;
    const reads = new StuckReads();
    const report = async (fromCount: Counted) => {
      const tables = await reads.from(pool, fromCount, changing);
      await tables.firstWaiting(tables.queues);
      return classified(tables);
    };
    // Failed jobs unchanged since the last report (the count's fingerprint says so), the blocked queues as they
    // were: nothing of the jobs table is read.
    const reportMs = await timeMedian(() => report(counted));
    // 100 jobs fail for good between two reports, as graphile-worker fails them: the report adds the count's list
    // of recent failures to its groups, and checks the result against the count's number of failed jobs per task.
    const afterFailures: number[] = [];
    for (let round = 0; round < 5; round++) {
      await pool.query(
        `update graphile_worker._private_jobs set attempts = max_attempts, last_error = $1,
           run_at = greatest(now(), run_at) + exp(least(max_attempts, 10)) * interval '1 second'
         where id in (select id from graphile_worker._private_jobs where attempts = 0 and locked_at is null limit 100)`,
        [`Error code: 429 - You exceeded your current quota (round ${round})`],
      );
      const next = await count();
      const started = performance.now();
      await report(next);
      afterFailures.push(performance.now() - started);
    }
    const afterFailuresMs = median(afterFailures);
    // A failed job retried or deleted (the counts go down): the groups are read again in full, in one pass.
    const rereadMs = await timeMedian(() => failedGroupsWithIds(pool).then((rows) => rows.forEach((f) => classifyError(f.head))));
    const countMs = await timeMedian(() => countJobs(pool));
    const naiveMs = await timeMedian(() => naive(pool));
    const { rows } = await pool.query<{ n: number }>(
      `select count(*)::int as n from graphile_worker._private_jobs where attempts >= max_attempts`,
    );
    const sample = await reads.from(pool, await count(), changing);
    const waiting = sample.queues.reduce((n, q) => n + q.waiting, 0);
    return [
      {
        name: "stuck: report on the monitor's count",
        baseline: 'naive report via jobs view',
        baselineMs: naiveMs,
        candidateMs: reportMs,
        notes: `${sample.jobs.length} locked, ${sample.queues.length} locked queues with ${waiting} waiting, ${rows[0].n} failed of ${JOBS}`,
      },
      {
        name: 'stuck: report after new permanent failures',
        baseline: 'naive report via jobs view',
        baselineMs: naiveMs,
        candidateMs: afterFailuresMs,
        notes: `100 new each time; when failed jobs leave, the groups are read again in full: ${rereadMs.toFixed(1)} ms`,
      },
      {
        name: "stuck: the monitor's count it reads",
        baseline: 'naive report via jobs view',
        baselineMs: naiveMs,
        candidateMs: countMs,
        notes: 'made for the overview anyway, at most every 10x its cost while jobs change',
      },
    ];
  });
}

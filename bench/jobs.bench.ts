/**
 * The job explorer and bulk actions at scale, each against a baseline measured in the same run on the same data:
 * - bulk retry of 100,000 permanently failed jobs by filter (chunks of admin-function calls, audit, progress)
 *   against one `reschedule_jobs` call per job, measured on 2,000 jobs and extrapolated to 100,000;
 * - a page of a filtered list at 1,000,000 jobs, deep in the list: keyset on the primary key against the same
 *   page through the public `jobs` view with OFFSET; and the first page, against the view without OFFSET;
 * - the match count: capped exact count + snapshot/estimate against an exact count(*) through the `jobs` view.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Logger, runMigrations } from 'graphile-worker';
import { startEmbeddedPostgres } from '../src/engine/pg/embedded.ts';
import { createEngine, type Engine } from '../src/engine/index.ts';
import type { OpName } from '../src/shared/contract/index.ts';
import { benchPool, callOp, timeMedian, type BenchResult } from './lib.ts';

const JOBS = 1_000_000;
const FAILED = 100_000;
const ONE_BY_ONE_SAMPLE = 2_000;
const PAGE = 100;

/**
 * Realistic rows for the bench database only, inserted directly: 100,000 permanently failed generate_insight
 * jobs (quota errors), 2,000 permanently failed summarize jobs for the one-by-one baseline, 10% enrich_record
 * jobs waiting to retry, the rest ready or scheduled, payloads like the demo's.
 */
export async function seed(pool: pg.Pool): Promise<void> {
  await pool.query(`insert into graphile_worker._private_tasks (identifier) values ('generate_insight'), ('enrich_record'), ('summarize')`);
  await pool.query(`insert into graphile_worker._private_job_queues (queue_name) values ('summaries')`);
  await pool.query(
    `with t as (select array_agg(id order by identifier) as ids from graphile_worker._private_tasks),
          k as (select case when i <= ${FAILED} * 10 and i % 10 = 0 then 'generate_insight'
                            when i % 500 = 1 and i < ${ONE_BY_ONE_SAMPLE} * 500 then 'summarize'
                            else 'enrich_record' end as task, i from generate_series(1, ${JOBS}) i)
     insert into graphile_worker._private_jobs (task_id, job_queue_id, payload, run_at, attempts, max_attempts, last_error, created_at)
     select case k.task when 'enrich_record' then t.ids[1] when 'generate_insight' then t.ids[2] else t.ids[3] end,
            case when k.task = 'summarize' then (select id from graphile_worker._private_job_queues) end,
            json_build_object('eventId', k.i, 'title', 'Item ' || k.i),
            now() + ((k.i % 7200) - 3600) * interval '1 second',
            case when k.task <> 'enrich_record' then 5 when k.i % 10 = 1 then 2 else 0 end, 5,
            case when k.task = 'generate_insight' then 'openai.RateLimitError: Error code: 429 - insufficient_quota'
                 when k.task = 'summarize' then 'Request timeout after 300 seconds'
                 when k.i % 10 = 1 then 'JSONDecodeError: Expecting value: line 1 column 1 (char 0)' end,
            now() - (${JOBS} - k.i) * interval '10 ms'
     from t, k`,
  );
  await pool.query('vacuum analyze graphile_worker._private_jobs');
}

export default async function bench(): Promise<BenchResult[]> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bench-jobs-'));
  rmSync(tmp, { recursive: true, force: true });
  const server = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), ownedRoot: tmp });
  const pool = benchPool(server.connectionString, 4);
  let engine: Engine | null = null;
  try {
    await runMigrations({ connectionString: server.connectionString, logger: new Logger(() => () => {}) });
    let t = performance.now();
    await seed(pool);
    console.log(`  seeded ${JOBS.toLocaleString()} jobs in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    engine = createEngine({ dataDir: path.join(tmp, 'data'), mode: 'web', log: () => {} });
    await engine.start({ databaseUrl: server.connectionString, runner: false });
    const started = engine;
    const call = <N extends OpName>(name: N, input: unknown) => callOp(started, name, input);
    const results: BenchResult[] = [];
    // Measured once the console is settled: its watcher's first sync of the million jobs is sync.bench.ts' subject.
    t = performance.now();
    while ((await call('history.status', {})).lastScanMs === null) await new Promise((resolve) => setTimeout(resolve, 500));
    console.log(`  first sync done after ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // ---- a page of the filtered list at 1M jobs ----
    const filter = { tasks: ['enrich_record'], states: ['retrying'] };
    const viewWhere = `task_identifier = 'enrich_record' and locked_at is null and attempts > 0 and attempts < max_attempts`;
    const first = await call('jobs.list', { filter, limit: PAGE });
    let cursor = first.nextCursor;
    let depth = PAGE;
    // Walk half-way down the list with keyset (this also checks that pages chain).
    for (let i = 0; i < 400 && cursor; i++, depth += PAGE) cursor = (await call('jobs.list', { filter, cursor, limit: PAGE })).nextCursor;
    const deepKeyset = await timeMedian(() => call('jobs.list', { filter, cursor, limit: PAGE }));
    const deepOffset = await timeMedian(() =>
      pool.query(`select * from graphile_worker.jobs where ${viewWhere} order by id desc limit ${PAGE} offset ${depth}`),
    );
    results.push({
      name: `filtered page at depth ${depth.toLocaleString()} (1M jobs)`,
      baseline: 'jobs view + OFFSET',
      baselineMs: deepOffset,
      candidateMs: deepKeyset,
      notes: 'keyset id < cursor on _private_jobs',
    });
    const firstKeyset = await timeMedian(() => call('jobs.list', { filter, limit: PAGE }));
    const firstView = await timeMedian(() =>
      pool.query(`select * from graphile_worker.jobs where ${viewWhere} order by id desc limit ${PAGE}`),
    );
    results.push({
      name: 'filtered first page (1M jobs)',
      baseline: 'jobs view, no OFFSET',
      baselineMs: firstView,
      candidateMs: firstKeyset,
    });
    const searchPage = await timeMedian(() => call('jobs.list', { filter: { search: 'Item 4242' }, limit: PAGE }), 3);
    const errorTypePage = await timeMedian(() => call('jobs.list', { filter: { errorType: 'invalid_json' }, limit: PAGE }), 3);
    console.log(
      `  payload search page: ${searchPage.toFixed(1)} ms, error-type page: ${errorTypePage.toFixed(1)} ms (no baseline: the view has no payload)`,
    );

    const count = await timeMedian(() => call('jobs.count', { filter }));
    const exact = await timeMedian(() => pool.query(`select count(*) from graphile_worker.jobs where ${viewWhere}`));
    const c = await call('jobs.count', { filter });
    // Filters the monitor's counts do not answer, or that match few rows: the capped count within its budget.
    const others = [{ states: ['running'] }, { search: 'Item 4242' }, { errorType: 'invalid_json' }, { tasks: ['summarize'] }];
    const otherNotes: string[] = [];
    for (const f of others) {
      const ms = await timeMedian(() => call('jobs.count', { filter: f }));
      const r = await call('jobs.count', { filter: f });
      otherNotes.push(`${JSON.stringify(f)} ${ms.toFixed(1)} ms (${r.basis} ${r.value.toLocaleString()})`);
    }
    results.push({
      name: 'match count of a filter (1M jobs)',
      baseline: 'exact count(*) on jobs view',
      baselineMs: exact,
      candidateMs: count,
      notes: `${c.basis}: ${c.value.toLocaleString()}, exact up to 10,000; other filters: ${otherNotes.join('; ')}`,
    });

    // ---- bulk retry of 100,000 permanently failed jobs ----
    const sample = (
      await pool.query<{ id: string }>(
        `select j.id::text from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'summarize'`,
      )
    ).rows.map((r) => r.id);
    t = performance.now();
    for (const id of sample)
      await pool.query(`select id from graphile_worker.reschedule_jobs(array[$1::bigint], run_at := now(), attempts := 0)`, [id]);
    const oneByOne = ((performance.now() - t) / sample.length) * FAILED;
    t = performance.now();
    const report = await call('jobs.retry', { target: { filter: { tasks: ['generate_insight'], states: ['failed'] } } });
    const bulk = performance.now() - t;
    if (report.affected !== FAILED) throw new Error(`expected ${FAILED} retried, got ${report.affected}`);
    results.push({
      name: `bulk retry of ${FAILED.toLocaleString()} failed jobs by filter`,
      baseline: `one reschedule_jobs call per job (${sample.length.toLocaleString()} measured, extrapolated)`,
      baselineMs: oneByOne,
      candidateMs: bulk,
      notes: `${report.affected.toLocaleString()} affected, ${report.skipped} skipped, audit #${report.auditId}`,
    });
    return results;
  } finally {
    await engine?.stop(5_000).catch(() => {});
    await pool.end();
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

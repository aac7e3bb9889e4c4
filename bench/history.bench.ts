/**
 * Failure history at scale:
 * - sync: one watcher pass over 1,000,000 jobs with 100 of them changed, against the naive pass that reads every
 *   job through the public `jobs` view and compares it in memory;
 * - queries over 1,000,000 failed attempts in SQLite: the type breakdown and a deep filtered page, against the
 *   same queries without the history indexes and with OFFSET pagination;
 * - the processing time (avg and p95) of 1,000,000 runs in the last hour and over 7 days, from the duration rollups
 *   against sorting the runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Logger, runMigrations } from 'graphile-worker';
import { startEmbeddedPostgres } from '../src/engine/pg/embedded.ts';
import { openStore, type Db } from '../src/engine/store/db.ts';
import { attemptsRepo } from '../src/engine/history/attempts-repo.ts';
import { DbWatcher } from '../src/engine/history/watcher.ts';
import { failureRollup } from '../src/engine/history/failure-rollup.ts';
import { listAttempts } from '../src/engine/history/query.ts';
import { summarize } from '../src/engine/history/summary.ts';
import { classifyError } from '../src/shared/errors/index.ts';
import { backfillDurations } from '../src/engine/history/duration-backfill.ts';
import { benchPool, median, type BenchResult } from './lib.ts';

const JOBS = 1_000_000;
const ATTEMPTS = 1_000_000;
const RUNS = 5;
const RUNS_PER_CASE = 1_000_000;

export async function seedJobs(pool: pg.Pool): Promise<void> {
  await pool.query(
    `insert into graphile_worker._private_tasks (identifier) values ('generate_insight'), ('enrich_record'), ('summarize') on conflict do nothing`,
  );
  // Realistic rows for the bench database only: 10% failed at least once, 0.1% running, the rest waiting.
  await pool.query(
    `with t as (select array_agg(id order by id) as ids from graphile_worker._private_tasks)
     insert into graphile_worker._private_jobs (task_id, payload, run_at, attempts, max_attempts, last_error, locked_at, locked_by)
     select t.ids[1 + i % 3], '{}'::json, now() + (i % 3600) * interval '1 second',
            case when i % 10 = 0 then 1 + i % 5 else 0 end, 25,
            case when i % 10 = 0 then 'Error code: 429 - You exceeded your current quota, please check your plan and billing details' end,
            case when i % 1000 = 0 then now() end, case when i % 1000 = 0 then 'pool-bench' end
     from t, generate_series(1, ${JOBS}) i`,
  );
  await pool.query('vacuum analyze graphile_worker._private_jobs');
}

/** 100 jobs fail once more, as graphile-worker leaves them: attempts + 1, last_error, run_at pushed back. */
async function failSome(pool: pg.Pool, round: number): Promise<void> {
  await pool.query(
    `update graphile_worker._private_jobs set attempts = attempts + 1, last_error = $1, run_at = now() + interval '3 seconds'
     where id in (select (random() * ${JOBS - 1} + 1)::bigint from generate_series(1, 100))`,
    [`Request timeout after 300 seconds (round ${round})`],
  );
}

interface NaiveRow {
  id: string;
  attempts: number;
  max_attempts: number;
  locked_at: Date | null;
  run_at: Date;
  last_error: string | null;
}

/** The naive sync: every job through the public view, compared with the previous pass in memory. */
async function naivePass(pool: pg.Pool, previous: Map<string, string>): Promise<number> {
  const { rows } = await pool.query<NaiveRow>(
    `select id, task_identifier, queue_name, attempts, max_attempts, locked_at, run_at, last_error from graphile_worker.jobs`,
  );
  let changed = 0;
  const seen = new Set<string>();
  for (const r of rows) {
    const key = `${r.attempts}|${r.max_attempts}|${r.locked_at?.getTime()}|${r.run_at.getTime()}|${r.last_error}`;
    seen.add(r.id);
    if (previous.get(r.id) !== key) {
      changed++;
      previous.set(r.id, key);
    }
  }
  for (const id of previous.keys()) if (!seen.has(id)) previous.delete(id);
  return changed;
}

async function syncBench(pool: pg.Pool, db: Db): Promise<BenchResult[]> {
  const watcher = new DbWatcher({
    pool,
    db,
    connectionId: 'bench',
    attempts: attemptsRepo(db),
    classify: (m) => classifyError(m),
    log: () => {},
  });
  const first = await watcher.scan();
  const previous = new Map<string, string>();
  const naiveFirst = performance.now();
  await naivePass(pool, previous);
  const naiveFirstMs = performance.now() - naiveFirst;
  const candidate: number[] = [];
  /** Time to find the changed ranges, by how (the first pass after the sync hashes every row, later ones not). */
  const detecting: Record<string, number[]> = {};
  const baseline: number[] = [];
  let found = 0;
  for (let round = 0; round < RUNS; round++) {
    await failSome(pool, round);
    const r = await watcher.scan();
    candidate.push(r.ms);
    (detecting[r.detection] ??= []).push(r.detectMs);
    found += r.newAttempts;
    const start = performance.now();
    await naivePass(pool, previous);
    baseline.push(performance.now() - start);
  }
  const rss = Math.round(process.memoryUsage().rss / 1e6);
  const detectionNote = Object.entries(detecting)
    .map(([how, ms]) => `${Math.round(median(ms))} ms (${how === 'xmin' ? 'by transaction ids' : `${how} pass`}, ${ms.length} passes)`)
    .join(', ');
  return [
    {
      name: 'history sync: 1M jobs, 100 changed per pass',
      baseline: 'reading every job through the jobs view and comparing in memory',
      baselineMs: median(baseline),
      candidateMs: median(candidate),
      notes: `of which finding the changed ranges ${detectionNote}; ${first.buckets} id ranges; ${found} new failed attempts found in ${RUNS} passes; first full sync ${Math.round(first.ms)} ms vs naive first read ${Math.round(naiveFirstMs)} ms; rss ${rss} MB`,
    },
  ];
}

function seedAttempts(db: Db): void {
  const now = Date.now();
  // 1M attempts over 30 days, 11 types, 3 tasks; error texts of realistic length.
  db.exec(`
    with recursive s(i) as (select 1 union all select i + 1 from s where i < ${ATTEMPTS})
    insert into failure_attempts (connection_id, job_id, generation, task, queue, attempt, max_attempts, at, error, error_type, duration_ms, pool_id, source, final)
    select 'q', i, 0, case i % 3 when 0 then 'generate_insight' when 1 then 'enrich_record' else 'summarize' end, null, 1, 25,
           ${now} - i * 2592, 'Error ' || (i % 11) || ': ' || hex(randomblob(40)),
           case i % 11 when 0 then 'rate_limit' when 1 then 'timeout' when 2 then 'parse_error' when 3 then 'invalid_json'
             when 4 then 'context_length' when 5 then 'content_filter' when 6 then 'auth' when 7 then 'provider_error'
             when 8 then 'network' when 9 then 'cancelled' else 'other' end,
           i % 5000, 'pool-bench', 'watch', 0
    from s;
  `);
  // Counted into the 15-minute rollup as every writer does (migration 014: per transaction, not per row).
  failureRollup(db).fold();
  db.exec('create table attempts_noidx as select * from failure_attempts');
  db.exec('analyze');
}

/** The median of RUNS timings of `fn`, after one run to warm it. */
function time(fn: () => unknown): number {
  fn();
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  return median(t);
}

function queryBench(db: Db): BenchResult[] {
  seedAttempts(db);
  const from = Math.floor((Date.now() - 7 * 24 * 3600_000) / 900_000) * 900_000;
  const breakdown = (table: string) => () =>
    db.prepare(`select error_type, count(*) from ${table} where connection_id = 'q' and at >= ? group by error_type`).all(from);
  // What the 7-day chart reads: the 15-minute rollup.
  const rollup = () =>
    db
      .prepare(`select error_type, sum(n) from failure_quarters where connection_id = 'q' and slot >= ? group by error_type`)
      .all(from / 900_000);
  const rowsOf = (rows: unknown[]) => JSON.stringify(rows.map((r): unknown[] => Object.values(r as object)).sort());
  const same = (a: unknown[], b: unknown[]) => rowsOf(a) === rowsOf(b);
  if (!same(rollup(), breakdown('failure_attempts')())) throw new Error('the rollup and the attempts disagree');
  // Page 200 (rows 20,000-20,100) of the `timeout` attempts: keyset from the previous page's last row vs OFFSET.
  const page199 = db
    .prepare(
      `select at, id from failure_attempts where connection_id = 'q' and error_type = 'timeout' order by at desc, id desc limit 1 offset 19999`,
    )
    .get() as { at: number; id: number };
  const cursor = `${page199.at}:${page199.id}`;
  const keyset = () => listAttempts(db, 'q', { errorType: 'timeout' }, 100, cursor);
  const offset = (table: string) => () =>
    db
      .prepare(
        `select * from ${table} where connection_id = 'q' and error_type = 'timeout' order by at desc, id desc limit 100 offset 20000`,
      )
      .all();
  const k = keyset().rows;
  const o = offset('failure_attempts')() as { id: number }[];
  if (k.map((r) => r.id).join() !== o.map((r) => r.id).join()) throw new Error('keyset and OFFSET pages differ');
  return [
    {
      name: 'type breakdown, 7 days of 1M attempts (rollup)',
      baseline: 'counting the attempts, without the history indexes',
      baselineMs: time(breakdown('attempts_noidx')),
      candidateMs: time(rollup),
    },
    {
      name: 'type breakdown, 7 days of 1M attempts (rollup)',
      baseline: 'counting the attempts on the covering index',
      baselineMs: time(breakdown('failure_attempts')),
      candidateMs: time(rollup),
      notes: `whole 7-day summary (types, 84 buckets, tasks, p95) ${time(() => summarize(db, 'q', '7d', [])).toFixed(1)} ms`,
    },
    {
      name: 'filtered page 200 (type = timeout), keyset',
      baseline: 'OFFSET 20000 on the same index',
      baselineMs: time(offset('failure_attempts')),
      candidateMs: time(keyset),
    },
    {
      name: 'filtered page 200 (type = timeout), keyset',
      baseline: 'OFFSET 20000 without the history indexes',
      baselineMs: time(offset('attempts_noidx')),
      candidateMs: time(keyset),
    },
  ];
}

/**
 * Processing time (avg and p95), as the overview's trouble card and the alerts ask for it every few seconds and the
 * Failures view for its window: from the duration rollups against sorting the runs (how it was read before), over
 * 1M runs in the last hour, and 1M runs of 10 tasks over the last 7 days. The rollups are built by the background
 * count of earlier runs (history/duration-backfill.ts), timed too.
 */
async function durationsBench(db: Db): Promise<BenchResult[]> {
  const now = Date.now();
  const seed = (connection: string, spanMs: number, tasks: number) =>
    db.exec(`
      with recursive s(i) as (select 1 union all select i + 1 from s where i < ${RUNS_PER_CASE})
      insert into job_attempts (connection_id, job_id, task, queue, attempt, max_attempts, started_at, finished_at, duration_ms,
                                outcome, pool_id, source, source_id)
      select '${connection}', i, 'task-' || (i % ${tasks}), null, 1, 25, f - 800, f, 300 + (i * 7919) % 4000 + (i % 97) * 0.37,
             case when i % 10 = 0 then 'failure' else 'success' end, 'pool-bench', 'companion', i
      from (select i, ${now - spanMs + 10_000} + cast(i * ${(spanMs - 20_000) / RUNS_PER_CASE} as integer) as f from s);
    `);
  seed('d', 3_600_000, 3);
  seed('w', 7 * 24 * 3_600_000, 10);
  db.prepare('insert into duration_backfill (up_to, done) select max(id), 0 from job_attempts').run();
  const started = performance.now();
  await backfillDurations(db);
  const backfillMs = performance.now() - started;
  const cases = [
    { connection: 'd', window: '1h' as const, what: '1M runs in the last hour (whole 1 h summary)' },
    { connection: 'w', window: '7d' as const, what: '1M runs of 10 tasks over 7 days (whole 7 d summary)' },
  ];
  return cases.map(({ connection, window, what }) => {
    const from = summarize(db, connection, window, [], undefined, now).from;
    const sorted = () => {
      const runs = `from job_attempts where connection_id = '${connection}' and finished_at >= ? and outcome <> 'cancelled'`;
      const agg = db.prepare(`select count(*) as n, avg(duration_ms) as avg ${runs}`).get(Date.parse(from)) as { n: number; avg: number };
      const rank = Math.ceil(0.95 * agg.n) - 1;
      const p95 = db.prepare(`select duration_ms ${runs} order by duration_ms limit 1 offset ?`).pluck().get(Date.parse(from), rank);
      return { count: agg.n, avgMs: Math.round(agg.avg), p95Ms: Math.round(p95 as number) };
    };
    const rollups = () => summarize(db, connection, window, [], undefined, now).durations;
    const exact = sorted();
    const read = rollups();
    if (read.count !== exact.count || read.avgMs !== exact.avgMs || Math.abs(read.p95Ms! - exact.p95Ms) / exact.p95Ms > 0.045)
      throw new Error(`${what}: the rollups and the runs disagree: ${JSON.stringify(read)} against ${JSON.stringify(exact)}`);
    return {
      name: `processing time avg and p95 of ${what}`,
      baseline: 'sorting the runs (job_attempts)',
      baselineMs: time(sorted),
      candidateMs: time(rollups),
      notes:
        `p95 ${read.p95Ms} ms against exact ${exact.p95Ms} ms, avg ${read.avgMs} ms both` +
        (window === '1h' ? `; the background count of the 2M earlier runs into the rollups: ${(backfillMs / 1000).toFixed(1)} s` : ''),
    };
  });
}

export default async function historyBench(): Promise<BenchResult[]> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bench-history-'));
  rmSync(tmp, { recursive: true, force: true });
  const server = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), ownedRoot: tmp });
  const pool = benchPool(server.connectionString, 4);
  const step = (what: string) => console.error(`[history bench] ${what}`);
  const db = openStore(path.join(tmp, 'bench.sqlite'));
  try {
    await runMigrations({ connectionString: server.connectionString, logger: new Logger(() => () => {}) });
    step(`seeding ${JOBS} jobs`);
    await seedJobs(pool);
    step('sync passes');
    const sync = await syncBench(pool, db);
    step(`seeding ${ATTEMPTS} attempts and querying`);
    const queries = queryBench(db);
    step(`seeding 2 x ${RUNS_PER_CASE} runs and reading their processing time`);
    return [...sync, ...queries, ...(await durationsBench(db))];
  } finally {
    db.close();
    await pool.end();
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

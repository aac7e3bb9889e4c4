import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';

/**
 * Test tasks for the job-action tests, written as a graphile-worker task directory. Every run records its
 * start and end in `jt.runs`, so a test can check that no job ran twice at once and that none was lost.
 * - `record_run`: sleeps `payload.ms` (default 20); its first `payload.failRuns` runs fail (a 429 error);
 * - `hold_until_aborted`: runs until its abort signal fires (a cancel), then throws the signal's AbortError.
 */
const RECORD_RUN = `
const sleep = (ms, signal) => new Promise((resolve, reject) => {
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); reject(Object.assign(new Error('aborted'), { name: 'AbortError' })); }, { once: true });
});
export default async (payload, helpers) => {
  const { job } = helpers;
  const prior = await helpers.query('select count(*)::int as n from jt.runs where job_id = $1', [job.id]);
  const { rows } = await helpers.query(
    'insert into jt.runs (job_id, attempt, started_at) values ($1, $2, clock_timestamp()) returning id', [job.id, job.attempts]);
  const fail = prior.rows[0].n < (payload.failRuns ?? 0);
  try {
    await sleep(payload.ms ?? 20, helpers.abortSignal);
  } finally {
    await helpers.query('update jt.runs set ended_at = clock_timestamp(), ok = $2 where id = $1', [rows[0].id, !fail]);
  }
  if (fail) throw new Error(payload.error ?? 'Error code: 429 - You exceeded your current quota');
};
`;

const HOLD_UNTIL_ABORTED = `
export default async (payload, helpers) => {
  const { job } = helpers;
  const { rows } = await helpers.query(
    'insert into jt.runs (job_id, attempt, started_at) values ($1, $2, clock_timestamp()) returning id', [job.id, job.attempts]);
  try {
    await new Promise((resolve, reject) => {
      const t = setTimeout(resolve, payload.ms ?? 60000);
      helpers.abortSignal.addEventListener('abort', () => { clearTimeout(t); reject(helpers.abortSignal.reason instanceof Error ? helpers.abortSignal.reason : Object.assign(new Error('The operation was aborted'), { name: 'AbortError' })); }, { once: true });
    });
  } finally {
    await helpers.query('update jt.runs set ended_at = clock_timestamp(), ok = $2 where id = $1', [rows[0].id, !helpers.abortSignal.aborted]);
  }
};
`;

export interface TaskDir {
  dir: string;
  remove(): void;
}

/** Writes the test tasks to a temp folder. */
export function writeTaskDir(): TaskDir {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-tasks-'));
  writeFileSync(path.join(dir, 'record_run.mjs'), RECORD_RUN);
  writeFileSync(path.join(dir, 'hold_until_aborted.mjs'), HOLD_UNTIL_ABORTED);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The table the test tasks record runs in. */
export async function createRunsTable(pool: pg.Pool): Promise<void> {
  await pool.query(`create schema if not exists jt;
    create table if not exists jt.runs (id bigserial primary key, job_id bigint not null, attempt int not null,
      started_at timestamptz not null, ended_at timestamptz, ok boolean)`);
}

/** Pairs of runs of the same job whose time spans overlap: must be empty (a job never runs twice at once). */
export async function overlappingRuns(pool: pg.Pool): Promise<{ job_id: string }[]> {
  const { rows } = await pool.query<{ job_id: string }>(
    `select a.job_id::text from jt.runs a join jt.runs b on a.job_id = b.job_id and a.id < b.id
     where tstzrange(a.started_at, coalesce(a.ended_at, 'infinity')) && tstzrange(b.started_at, coalesce(b.ended_at, 'infinity'))`,
  );
  return rows;
}

/** Adds `count` jobs of `task` with graphile-worker's own add_jobs and returns their ids, ascending. */
export async function addJobs(
  pool: pg.Pool,
  task: string,
  count: number,
  spec: { payload?: object; maxAttempts?: number; queue?: string; runAt?: string } = {},
): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `select a.id::text as id from graphile_worker.add_jobs(array(
       select row($1::text, $2::json, $3::text, $4::timestamptz, $5::int, null::text, null::int, null::text[])::graphile_worker.job_spec
       from generate_series(1, $6))) a order by a.id`,
    [task, JSON.stringify(spec.payload ?? {}), spec.queue ?? null, spec.runAt ?? null, spec.maxAttempts ?? null, count],
  );
  return rows.map((r) => r.id);
}

/** Makes jobs look permanently failed, as a worker leaves them after the last attempt. */
export async function makeFailed(pool: pg.Pool, ids: string[], error = 'Error code: 429 - You exceeded your current quota'): Promise<void> {
  await pool.query(
    `update graphile_worker._private_jobs set attempts = max_attempts, last_error = $2, run_at = now() - interval '1 minute' where id = any($1::bigint[])`,
    [ids, error],
  );
}

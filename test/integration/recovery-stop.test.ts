import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { createEngine } from '../../src/engine/index.ts';
import { createRecoveryRuns } from '../fixtures/recovery-runs.ts';

const TASKS = path.resolve(import.meta.dirname, '../fixtures/recovery-tasks');
let db: TestPostgres;
let te: TestEngine | null = null;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-stop-'));

before(async () => {
  db = await startTestPostgres();
  await createRecoveryRuns(db.pool);
});
after(async () => {
  await te?.close();
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('quitting waits a bounded time, then aborts running jobs, says how many, and they are retried', async () => {
  const logs: string[] = [];
  const engine = createEngine({ dataDir, mode: 'web', log: (level, message) => logs.push(`${level}: ${message}`) });
  await engine.start({ databaseUrl: db.connectionString, runner: true, taskDirectory: TASKS, concurrency: 4 });
  await db.pool.query(`select graphile_worker.add_job('recovery_work', '{"key":"long","ms":60000,"retryMs":50}'::json)`);
  await db.pool.query(`select graphile_worker.add_job('recovery_work', '{"key":"short","ms":300}'::json)`);
  await waitFor(
    'both jobs to run',
    async () => (await db.pool.query<{ n: number }>('select count(*)::int as n from recovery_runs')).rows[0].n === 2,
  );

  // The long job would run a minute: the stop waits its bound (the short job finishes meanwhile), then aborts it.
  const report = await engine.stop(1_500);
  assert.equal(report.aborted, 1, 'the long job is aborted, the short one finished within the bound');
  assert.equal(report.timedOut, true, 'the stop gave up waiting at its bound');
  assert.ok(
    logs.some((l) => /aborted 1 running job\(s\), they will be retried/.test(l)),
    'the log says so',
  );

  const [job] = (
    await db.pool.query<{ attempts: number; max_attempts: number; locked_at: Date | null }>(
      `select attempts, max_attempts, locked_at from graphile_worker.jobs`,
    )
  ).rows;
  assert.equal(job.locked_at, null, `the aborted job is not left locked; log:\n${logs.join('\n')}`);
  assert.equal(job.attempts, 1);
  assert.ok(job.attempts < job.max_attempts, 'it has attempts left: graphile-worker retries it');
  const short = (await db.pool.query<{ finished_at: Date | null }>(`select finished_at from recovery_runs where key = 'short'`)).rows[0];
  assert.ok(short.finished_at, 'the job that could finish within the bound finished');

  // Next start: the aborted job runs again and finishes.
  te = await startTestEngine({ databaseUrl: db.connectionString, dataDir, runner: true, taskDirectory: TASKS });
  await waitFor(
    'the aborted job to be retried and finish',
    async () => {
      const { rows } = await db.pool.query<{ n: number }>(
        `select count(*)::int as n from recovery_runs where key = 'long' and attempt = 2 and finished_at is not null`,
      );
      return rows[0].n === 1;
    },
    15_000,
  );
  // The task records its end a moment before graphile-worker completes (deletes) the job: the queue empties after.
  await waitFor(
    'the retried job to leave the queue',
    async () => (await db.pool.query<{ n: number }>('select count(*)::int as n from graphile_worker._private_jobs')).rows[0].n === 0,
  );
  // A clean stop leaves nothing for recovery to do.
  const recovery = (await te.call('stuck.get', {})).lastRecovery;
  assert.equal(recovery?.jobsUnlocked, 0);
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { QueryResultRow } from 'pg';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { createRecoveryRuns } from '../fixtures/recovery-runs.ts';
import { startRecoveryChild } from '../fixtures/recovery-child-process.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TASKS = path.join(ROOT, 'test/fixtures/recovery-tasks');
const SLOW = 20;
const QUICK = 10;

let db: TestPostgres;
let child: ChildProcess | null = null;
let te: TestEngine | null = null;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-recovery-'));

before(async () => {
  db = await startTestPostgres();
  await createRecoveryRuns(db.pool);
});
after(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await te?.close();
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const runs = async <R extends QueryResultRow>(sql: string, params: unknown[] = []) => (await db.pool.query<R>(sql, params)).rows;

test('a runner killed with SIGKILL mid-job: after restart every killed job runs again, finished ones do not', async (t) => {
  await db.pool.query(
    `select graphile_worker.add_job('recovery_work', json_build_object('key', 'quick-' || i, 'ms', 20), job_key => 'quick-' || i) from generate_series(1, ${QUICK}) i`,
  );
  await db.pool.query(
    `select graphile_worker.add_job('recovery_work', json_build_object('key', 'slow-' || i, 'ms', 120000, 'retryMs', 300), job_key => 'slow-' || i, priority => 1) from generate_series(1, ${SLOW}) i`,
  );

  const started = await startRecoveryChild(dataDir, db.connectionString, SLOW);
  child = started.proc;
  await waitFor(
    'the quick jobs to finish and the 20 slow ones to run',
    async () => {
      const [r] = await runs<{
        quick: number;
        slow: number;
      }>(`select count(*) filter (where key like 'quick-%' and finished_at is not null)::int as quick,
                                   count(*) filter (where key like 'slow-%')::int as slow from recovery_runs`);
      return r.quick === QUICK && r.slow === SLOW;
    },
    30_000,
  );
  const exited = new Promise((resolve) => child!.once('exit', resolve));
  child.kill('SIGKILL');
  await exited; // reaped: its pid is free, as after a real crash
  const [{ killed_at: killedAt }] = await runs<{ killed_at: Date }>('select now() as killed_at');
  const held = await runs<{ n: number }>('select count(*)::int as n from graphile_worker._private_jobs where locked_by = $1', [
    started.poolId,
  ]);
  assert.equal(held[0].n, SLOW, 'the dead pool still holds the slow jobs');

  const restartedAt = Date.now();
  te = await startTestEngine({ databaseUrl: db.connectionString, dataDir, runner: true, taskDirectory: TASKS, concurrency: SLOW });
  // Without the start-up recovery they would stay locked by the dead pool for 4 hours (graphile-worker's own bound).
  await waitFor(
    'every killed job to start again',
    async () => {
      const [r] = await runs<{ n: number }>(
        `select count(distinct key)::int as n from recovery_runs where key like 'slow-%' and pid = $1`,
        [process.pid],
      );
      return r.n === SLOW;
    },
    30_000,
    50,
  );
  // How soon is for bench/, not for a test on a shared machine; the figure is still worth a look.
  t.diagnostic(`all ${SLOW} killed jobs started again ${Date.now() - restartedAt} ms after the restart began`);

  await waitFor(
    'the re-runs to finish',
    async () => {
      const [r] = await runs<{ n: number }>('select count(*)::int as n from graphile_worker._private_jobs');
      return r.n === 0;
    },
    20_000,
  );

  // Finished jobs ran once; killed jobs ran twice: the killed try never finished, the second started after the kill.
  const byKey = await runs<{ key: string; n: number; finished: number; after_kill: boolean | null }>(
    `select key, count(*)::int as n, count(finished_at)::int as finished,
                                   bool_and(pid <> $1 or started_at > $2) as after_kill
                            from recovery_runs group by key order by key`,
    [process.pid, killedAt],
  );
  assert.equal(byKey.length, SLOW + QUICK);
  for (const r of byKey) {
    if (r.key.startsWith('quick-')) assert.deepEqual([r.n, r.finished], [1, 1], `${r.key} ran once`);
    else assert.deepEqual([r.n, r.finished, r.after_kill], [2, 1, true], `${r.key} ran again once, after the kill`);
  }
  // Never two runs of one job at once: no run of this process overlaps another of the same job.
  const overlaps = await runs<{ n: number }>(`select count(*)::int as n from recovery_runs a join recovery_runs b
    on a.job_id = b.job_id and a.id < b.id and a.pid = b.pid
    and b.started_at < coalesce(a.finished_at, 'infinity')`);
  assert.equal(overlaps[0].n, 0);

  const report = (await te.call('stuck.get', {})).lastRecovery;
  assert.ok(report, 'the start-up recovery is reported');
  assert.equal(report.trigger, 'startup');
  assert.equal(report.poolsFound, 1);
  assert.deepEqual(report.poolsWithLocks, [started.poolId]);
  assert.equal(report.jobsUnlocked, SLOW);
  assert.equal(report.jobsRequeued, SLOW);
  assert.equal(report.error, null);
  const audit = te.engine.parts.audit.list({ limit: 10 }).find((a) => a.action === 'recovery.unlock');
  assert.ok(audit, 'recovery is in the audit log');
  assert.equal(audit.affected, SLOW);
  assert.equal(audit.actor, 'jobdeck');

  // The running runner's own pool is never unlocked: its jobs really run.
  const own = te.engine.status().runner.poolId!;
  const refused = await te.call('stuck.unlock', { poolIds: [own], force: true });
  assert.deepEqual(
    refused.refused.map((r) => r.poolId),
    [own],
  );
  assert.equal(refused.jobsUnlocked, 0);

  // A second recovery finds nothing more to do: the pool is marked recovered.
  const again = await te.call('recovery.run', {});
  assert.equal(again.poolsFound, 0);
  assert.equal(again.jobsUnlocked, 0);
});

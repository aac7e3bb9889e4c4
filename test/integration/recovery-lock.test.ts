import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor } from '../helpers/engine.ts';
import { createRecoveryRuns } from '../fixtures/recovery-runs.ts';
import { scriptArgs } from '../helpers/scripts.ts';

// A row lock held by another session while Jobdeck starts after a crash: start-up goes on (the console is served,
// the lock is named), and recovery tries again until it gets through, then unlocks every job the dead runner held.

const ROOT = path.resolve(import.meta.dirname, '../..');
const TASKS = path.join(ROOT, 'test/fixtures/recovery-tasks');
const HELD = 4;

test('a row lock held elsewhere during start-up: start-up goes on, recovery says why and gets through once it is released', async (t) => {
  const db = await startTestPostgres();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-recovery-lock-'));
  const holder = await db.pool.connect();
  // Closed in this order: the engine (once started), the lock holder, the database.
  const closing: { engine?: () => Promise<void> } = {};
  t.after(async () => {
    await closing.engine?.();
    await holder.query('rollback').catch(() => {});
    holder.release();
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await createRecoveryRuns(db.pool);
  await db.pool.query(
    `select graphile_worker.add_job('recovery_work', json_build_object('key', 'held-' || i, 'ms', 120000), job_key => 'held-' || i) from generate_series(1, ${HELD}) i`,
  );

  // A runner of this data folder takes the jobs, then dies.
  const child = spawn(
    process.execPath,
    [...scriptArgs('test/fixtures/recovery-child.ts'), dataDir, db.connectionString, TASKS, String(HELD)],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const poolId = await waitFor('the runner to start', () => /ready (\S+)/.exec(out)?.[1], 60_000);
  await waitFor('the runner to hold every job', async () => {
    const { rows } = await db.pool.query<{ n: number }>(
      'select count(*)::int as n from graphile_worker._private_jobs where locked_by = $1',
      [poolId],
    );
    return rows[0].n === HELD;
  });
  child.kill('SIGKILL');
  await once(child, 'exit');

  // Another session holds one of those rows, as a long transaction would.
  await holder.query('begin');
  await holder.query(`select id from graphile_worker._private_jobs where key = 'held-1' for update`);

  const te = await startTestEngine({
    databaseUrl: db.connectionString,
    dataDir,
    runner: false,
    recovery: { lockTimeoutMs: 300, retryMs: 500 },
  });
  closing.engine = () => te.close({ keepData: true });
  assert.equal(te.engine.status().connection.state, 'online', 'start-up went on');
  const first = (await te.call('stuck.get', {})).lastRecovery;
  assert.ok(first?.error, 'the failed recovery is reported');
  assert.match(first.error, /locked by another session \(lock timeout\)/);
  const { rows: still } = await db.pool.query<{ n: number }>(
    'select count(*)::int as n from graphile_worker._private_jobs where locked_by = $1',
    [poolId],
  );
  assert.equal(still[0].n, HELD, 'nothing was half done');

  // The lock goes away: the next try gets through, without a restart or an operator.
  await holder.query('commit');
  const done = await waitFor('recovery to get through', async () => {
    const report = (await te.call('stuck.get', {})).lastRecovery;
    return report && report.error === null && report.jobsUnlocked === HELD ? report : null;
  });
  assert.deepEqual(done.poolsWithLocks, [poolId]);
  const { rows: after } = await db.pool.query<{ n: number }>(
    'select count(*)::int as n from graphile_worker._private_jobs where locked_by is not null',
  );
  assert.equal(after[0].n, 0);
  const audit = te.engine.parts.audit.list({ limit: 10 }).filter((a) => a.action === 'recovery.unlock');
  assert.equal(audit.length, 1, 'unlocked once');
  assert.equal(audit[0].affected, HELD);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor } from '../helpers/engine.ts';
import { createRecoveryRuns } from '../fixtures/recovery-runs.ts';
import { killRecoveryChild, startRecoveryChild } from '../fixtures/recovery-child-process.ts';

// Issue 11.3: recovery repeats while earlier pools of this data folder still stand. At start-up another Jobdeck
// on the same folder (one still quitting, say) holds jobs in a live process: they are left alone, since it may
// still run them; once that process is gone, the next round of recovery releases them, without a restart.

test('a pool of this data folder that was alive at start-up is recovered once its process has gone', async (t) => {
  const db = await startTestPostgres();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-repeat-'));
  t.after(async () => {
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await createRecoveryRuns(db.pool);
  await db.pool.query(
    `select graphile_worker.add_job('recovery_work', json_build_object('key', 'slow-' || i, 'ms', 120000, 'retryMs', 50)) from generate_series(1, 3) i`,
  );
  const child = await startRecoveryChild(dataDir, db.connectionString, 3);
  t.after(() => killRecoveryChild(child.proc));
  const held = async () => (await db.pool.query('select 1 from graphile_worker.jobs where locked_by = $1', [child.poolId])).rowCount;
  await waitFor('the other console to hold the three jobs', async () => (await held()) === 3);

  // A second Jobdeck on a folder in use is refused at the door (store/folder-lock.ts); what still leaves a live
  // process's pool in this folder's records at a start is a lock that was lost (deleted by hand, or a folder copied
  // with its records): as here.
  rmSync(path.join(dataDir, 'jobdeck.lock'));
  const te = await startTestEngine({ databaseUrl: db.connectionString, dataDir, runner: false, recovery: { retryMs: 300 } });
  t.after(() => te.close({ keepData: true }));
  const first = (await te.call('stuck.get', {})).lastRecovery;
  assert.equal(first?.poolsFound, 0, 'the live process keeps its jobs');
  assert.equal(await held(), 3);

  await killRecoveryChild(child.proc);
  const report = await waitFor('a later round to recover the gone pool', async () => {
    const r = (await te.call('stuck.get', {})).lastRecovery;
    return r && r.poolsWithLocks.includes(child.poolId) ? r : null;
  });
  assert.deepEqual([report.trigger, report.jobsUnlocked, report.jobsRequeued], ['startup', 3, 3]);
  assert.equal(await held(), 0);
  const { rows } = await db.pool.query<{ n: number }>(`select count(*)::int as n from graphile_worker.jobs where locked_at is null`);
  assert.equal(rows[0].n, 3, 'released to run again');
});

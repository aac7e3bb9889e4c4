/**
 * A job marked permanently failed by hand (graphile-worker's permanently_fail_jobs, Jobdeck's "Mark permanently
 * failed") keeps its run_at, so the failure time worked back from graphile-worker's retry delay lands hours before the
 * action, even before the job existed. The watcher dates such a failure no earlier than the job's last change.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { watcherOf } from '../helpers/watcher.ts';
import { openStore } from '../../src/engine/store/db.ts';
import { FAILED_AT } from '../../src/engine/monitor/count-query.ts';

let pgdb: TestPostgres;
let dir: string;

before(async () => {
  pgdb = await startTestPostgres();
  dir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-manual-fail-'));
});
after(async () => {
  await pgdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a failure made by hand is dated when it was made, a failure of a run by the retry delay as before', async () => {
  const add = async (task: string) =>
    (await pgdb.pool.query<{ id: string }>(`select (graphile_worker.add_job($1, '{}'::json, max_attempts := 25)).id::text as id`, [task]))
      .rows[0].id;
  const manual = await add('manual_task');
  const ran = await add('ran_task');
  // Scheduled 10 min ahead with 3 attempts: worked back from its run_at, a failure by hand lands in the future.
  const { rows: ahead } = await pgdb.pool.query<{ id: string }>(
    `select (graphile_worker.add_job('later_task', '{}'::json, max_attempts := 3, run_at := now() + interval '10 minutes')).id::text as id`,
  );
  const future = ahead[0].id;
  const db = openStore(path.join(dir, 'history.sqlite'));
  const watcher = watcherOf(pgdb.pool, db);
  try {
    await watcher.scan();
    // Time passes between the job's creation and the operator's action (the generation is kept in whole seconds).
    await new Promise((r) => setTimeout(r, 1_200));
    const asked = Date.now();
    await pgdb.pool.query(`select graphile_worker.permanently_fail_jobs(array[$1::bigint, $2::bigint], 'Manually marked as failed')`, [
      manual,
      future,
    ]);
    // A run that failed once, as graphile-worker's fail_job leaves it: run_at pushed on by exp(1) s.
    await pgdb.pool.query(
      `update graphile_worker._private_jobs set attempts = 1, last_error = 'boom', run_at = now() + interval '2.718 seconds' where id = $1`,
      [ran],
    );
    const answered = Date.now();
    // Read a while after: a failure dated "now" when read would fall outside the action's time.
    await new Promise((r) => setTimeout(r, 2_000));
    await watcher.scan();
    const at = (id: string) =>
      (
        db.prepare('select at from failure_attempts where connection_id = ? and job_id = ?').get('c1', Number(id)) as
          { at: number } | undefined
      )?.at;
    const manualAt = at(manual);
    assert.ok(manualAt !== undefined, 'the manual failure is recorded');
    // updated_at is kept in whole seconds: up to a second before the action.
    assert.ok(
      manualAt >= asked - 1_000 && manualAt <= answered + 1_000,
      `dated at the action: ${new Date(manualAt).toISOString()}, asked ${new Date(asked).toISOString()}`,
    );
    const futureAt = at(future);
    assert.ok(futureAt !== undefined && futureAt >= asked - 1_000 && futureAt <= answered + 1_000, 'a scheduled job failed by hand too');
    // The counts' and the Stuck report's failure time (SQL) agrees, for both.
    const { rows } = await pgdb.pool.query<{ ms: number }>(
      `select (extract(epoch from ${FAILED_AT}) * 1000)::float8 as ms from graphile_worker._private_jobs j where j.id = any($1::bigint[])`,
      [[manual, future]],
    );
    assert.equal(rows.length, 2);
    for (const r of rows) assert.ok(r.ms >= asked - 1_000 && r.ms <= answered + 1_000, `FAILED_AT dates it at the action too (${r.ms})`);
    const ranAt = at(ran);
    assert.ok(ranAt !== undefined && ranAt >= asked - 1_000 && ranAt <= answered + 1_000, 'a run that failed is dated by the retry delay');
  } finally {
    await watcher.stop?.();
    db.close();
  }
});

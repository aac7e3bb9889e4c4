/**
 * The match count's answers and their labels: exact below the cap, the monitor's counts or the planner's
 * estimate above it, and on a big table the monitor's counts without counting at all.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { countJobs, EXACT_COUNT_LIMIT } from '../../src/engine/jobs/list-query.ts';
import { countJobs as monitorCounts } from '../../src/engine/monitor/count-query.ts';

let db: TestPostgres;

before(async () => {
  db = await startTestPostgres();
  await db.pool.query(`select graphile_worker.add_jobs(array(
    select row('few', json_build_object('i', i), null, null, null, null, null, null)::graphile_worker.job_spec
    from generate_series(1, 240) i))`);
  await db.pool.query(`select graphile_worker.add_jobs(array(
    select row('many', json_build_object('kind', 'bulk', 'i', i), null, null, null, null, null, null)::graphile_worker.job_spec
    from generate_series(1, ${EXACT_COUNT_LIMIT + 2000}) i))`);
  await db.pool.query(`update graphile_worker._private_jobs set attempts = 1, last_error = 'boom' where payload->>'i' in ('1', '2', '3')`);
  await db.pool.query('analyze graphile_worker._private_jobs');
});
after(async () => {
  await db?.close();
});

test('exact below the cap, labelled an estimate or the monitor’s count above it', async () => {
  const few = await countJobs(db.pool, { tasks: ['few'] }, null);
  assert.deepEqual([few.value, few.basis, few.atLeast], [240, 'exact', 240]);
  const retrying = await countJobs(db.pool, { states: ['retrying'], search: 'boom' }, null);
  assert.deepEqual([retrying.value, retrying.basis], [6, 'exact'], 'three of each task');

  const estimate = await countJobs(db.pool, { search: 'bulk' }, null);
  assert.equal(estimate.basis, 'estimate');
  assert.equal(estimate.atLeast, EXACT_COUNT_LIMIT + 1, 'counted exactly up to the cap');
  assert.ok(estimate.value > EXACT_COUNT_LIMIT);

  const { snapshot } = await monitorCounts(db.pool);
  const many = await countJobs(db.pool, { tasks: ['many'] }, snapshot);
  assert.deepEqual(
    [many.value, many.basis, many.atLeast, many.at],
    [EXACT_COUNT_LIMIT + 2000, 'snapshot', EXACT_COUNT_LIMIT + 1, snapshot.at],
  );
  // Below the cap the count is exact now, whatever the monitor says.
  const fewWithSnapshot = await countJobs(db.pool, { tasks: ['few'], states: ['ready'] }, snapshot);
  assert.deepEqual([fewWithSnapshot.value, fewWithSnapshot.basis], [237, 'exact']);
});

test('on a big table, the monitor’s count above the cap answers without counting; small counts stay exact', async () => {
  const { snapshot } = await monitorCounts(db.pool);
  const big = { smallTableJobs: 1000, budgetMs: 60_000 };
  const many = await countJobs(db.pool, { tasks: ['many'] }, snapshot, undefined, big);
  assert.deepEqual([many.value, many.basis, many.atLeast], [EXACT_COUNT_LIMIT + 2000, 'snapshot', 0], 'nothing counted now');
  const few = await countJobs(db.pool, { tasks: ['few'] }, snapshot, undefined, big);
  assert.deepEqual([few.value, few.basis], [240, 'exact'], 'counted within the time budget');
  const search = await countJobs(db.pool, { search: 'bulk' }, snapshot, undefined, big);
  assert.deepEqual([search.basis, search.atLeast], ['estimate', EXACT_COUNT_LIMIT + 1]);
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';

let db: TestPostgres;
let te: TestEngine;

before(async () => {
  db = await startTestPostgres();
  te = await startTestEngine({
    databaseUrl: db.connectionString,
    runner: true,
    taskDirectory: path.resolve(import.meta.dirname, '../fixtures/tasks'),
  });
});
after(async () => {
  await te?.close();
  await db?.close();
});

test('a job that failed, was retried and succeeded is still shown, from its recorded attempts, as succeeded', async () => {
  const { rows } = await db.pool.query<{ id: string }>(`select (graphile_worker.add_job('fail_once', '{}'::json)).id::text as id`);
  const id: string = rows[0].id;
  await waitFor(
    'the job to fail once, be retried and complete',
    async () => (await db.pool.query('select 1 from graphile_worker._private_jobs where id = $1', [id])).rowCount === 0,
    20_000,
  );
  // The hosted runner reported both attempts: the job is known to have succeeded on its retry, never "failed".
  const job = await waitFor('both attempts recorded', async () => {
    const j = await te.call('jobs.get', { id });
    return j.attemptsSeen.length >= 2 ? j : null;
  });
  assert.equal(job.gone, true);
  assert.equal(job.state, null, 'no state in graphile-worker once gone');
  assert.equal(job.snapshotState, 'succeeded');
  assert.equal(job.outcome, 'succeeded');
  assert.equal(job.task, 'fail_once');
  assert.deepEqual(
    job.attemptsSeen.map((a) => [a.attempt, a.outcome, a.source]),
    [
      [1, 'failed', 'runner'],
      [2, 'succeeded', 'runner'],
    ],
  );
  assert.match(job.attemptsSeen[0].error ?? '', /429/);
  assert.equal(job.attemptsSeen[1].error, null);
  assert.ok(job.attemptsSeen.every((a) => a.durationMs !== null && a.poolId?.startsWith('pool-')));
  assert.deepEqual([job.worker?.poolId, job.worker?.source], [te.engine.parts.hosted.poolId(), 'runner']);
  assert.equal(job.durationMs, job.attemptsSeen[1].durationMs);
  const unknown = await te.engine.call('jobs.get', { id: '999999' });
  assert.equal(!unknown.ok && unknown.error.code, 'not_found');
});

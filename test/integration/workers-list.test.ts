import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDatabase, waitFor } from '../helpers/engine.ts';
import { startCompanionWorker, type CompanionChild } from '../fixtures/companion-kit/child.ts';

// The Workers operation against real worker processes that carry the companion, and a pool that does not.

const t = useTestDatabase();
const children: CompanionChild[] = [];
after(async () => {
  for (const c of children) await c.kill();
});

const HEARTBEAT_MS = 500;
const worker = async () => {
  const child = await startCompanionWorker({
    connectionString: t.db.connectionString,
    concurrency: 2,
    jobdeck: { heartbeatIntervalMs: HEARTBEAT_MS },
  });
  children.push(child);
  return child;
};
const list = () => t.te.call('workers.list', {});
const find = async (poolId: string) => (await list()).workers.find((w) => w.poolId === poolId);

test('no companion yet: pools are seen only through the jobs they hold, and said so', async () => {
  const before = await list();
  assert.equal(before.companionInstalled, false);
  await t.db.pool.query(`select graphile_worker.add_job('plain_task', '{}'::json, job_key => 'held')`);
  await t.db.pool.query(
    `update graphile_worker._private_jobs set locked_by = 'pool-plain0001', locked_at = now(), attempts = 1 where key = 'held'`,
  );
  const plain = await find('pool-plain0001');
  assert.equal(plain?.source, 'watched');
  assert.equal(plain?.liveness, 'unknown');
  assert.deepEqual(
    plain?.running.map((j) => j.task),
    ['plain_task'],
  );
  await t.db.pool.query(`delete from graphile_worker._private_jobs where key = 'held'`);
});

test('a reporting worker is listed exactly: host, pid, concurrency, tasks, heartbeat, and the job it runs now', async () => {
  const child = await worker();
  await t.db.pool.query(`select graphile_worker.add_job('cd_sleep', '{"ms": 60000}'::json, job_key => 'long')`);
  const seen = await waitFor('the worker with its running job', async () => {
    const w = await find(child.poolId);
    // A worker takes jobs as soon as it starts; its own row follows within a flush.
    return w && w.source === 'companion' && w.running.length === 1 ? w : null;
  });
  assert.equal(seen.source, 'companion');
  assert.equal(seen.liveness, 'alive');
  assert.equal(seen.pid, child.process.pid);
  assert.equal(seen.concurrency, 2);
  assert.ok(seen.tasks.includes('cd_sleep'));
  assert.ok(seen.host && seen.graphileWorkerVersion, 'host and graphile-worker version are reported');
  assert.equal(seen.running[0].task, 'cd_sleep');
  const all = await list();
  assert.equal(all.companionInstalled, true);
  assert.ok(all.alive >= 1);
  const firstBeat = Date.parse(seen.lastHeartbeatAt!);
  await waitFor('a later heartbeat', async () => Date.parse((await find(child.poolId))!.lastHeartbeatAt!) > firstBeat);

  // Killed without a chance to say goodbye: gone once its heartbeat is three intervals late.
  await child.kill();
  const gone = await waitFor(
    'the killed worker to be known gone',
    async () => ((await find(child.poolId))?.liveness === 'gone' ? await find(child.poolId) : null),
    20_000,
  );
  assert.match(gone.reason, /No heartbeat/);
  assert.equal(gone.running.length, 1, 'its job is still locked by it: recovery is what frees it');
});

test('a worker that stops cleanly says so', async () => {
  const child = await worker();
  await waitFor('the worker to report', async () => (await find(child.poolId))?.liveness === 'alive');
  await child.stop();
  const stopped = await waitFor('the stop to be recorded', async () =>
    (await find(child.poolId))?.liveness === 'stopped' ? await find(child.poolId) : null,
  );
  assert.ok(stopped.stoppedAt);
  assert.equal((await list()).workers.filter((w) => w.poolId === child.poolId && w.liveness === 'alive').length, 0);
});

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';

let te: TestEngine | undefined;
after(async () => {
  await te?.close();
});

test('start-up recovery finds the embedded database again after a restart (its port changes every run)', async () => {
  te = await startTestEngine({ demo: true, runner: false });
  const first = te.engine.parts.sessions.require();
  const firstUrl = first.connectionString;
  const jobId = await waitFor(
    'a demo job',
    async () => (await first.pool.query<{ id: string }>('select id from graphile_worker._private_jobs limit 1')).rows[0]?.id,
  );
  // A runner of this data folder that died holding a job: its process id is not alive.
  await first.pool.query(`update graphile_worker._private_jobs set locked_at = now(), locked_by = 'pool-crashed01' where id = $1`, [jobId]);
  te.engine.parts.db
    .prepare('insert into runner_pools (pool_id, connection_id, pid, started_at) values (?, ?, ?, ?)')
    .run('pool-crashed01', 'embedded', 2 ** 22 + 7, Date.now() - 60_000);
  const dataDir = te.dataDir;
  await te.close({ keepData: true });

  te = await startTestEngine({ demo: true, runner: false, dataDir });
  const second = te.engine.parts.sessions.require();
  assert.notEqual(second.connectionString, firstUrl, 'a new port for the embedded database');
  const { rows } = await second.pool.query<{ locked_by: string | null }>(
    'select locked_by from graphile_worker._private_jobs where id = $1',
    [jobId],
  );
  assert.equal(rows[0].locked_by, null, "the dead pool's job was unlocked at start-up");
  const stuck = (await te.call('stuck.get')) as { lastRecovery: { poolsFound: number; jobsUnlocked: number } | null };
  assert.equal(stuck.lastRecovery?.poolsFound, 1);
  assert.equal(stuck.lastRecovery?.jobsUnlocked, 1);
});

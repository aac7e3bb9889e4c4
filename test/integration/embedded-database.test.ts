/**
 * The console does not check for its database when the embedded cluster already exists (a connection of its own at
 * every start, see `databaseOnDemand`): the migrations' first connection finds out. A cluster whose database is gone
 * (dropped by hand) gets it back, with graphile-worker's schema, and the console comes online.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { dataDirCluster, startEmbeddedPostgres } from '../../src/engine/pg/embedded.ts';

let te: TestEngine | undefined;
let dataDir: string | undefined;
after(async () => {
  await te?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('an embedded cluster that lost its database gets it back at the next start, schema and all', async () => {
  te = await startTestEngine({ demo: false, runner: false });
  dataDir = te.dataDir;
  assert.equal(te.engine.status().connection.state, 'online');
  await te.close({ keepData: true });
  te = undefined;

  // The cluster alone, its database dropped.
  const server = await startEmbeddedPostgres(dataDirCluster(dataDir));
  try {
    const admin = new pg.Client(server.connectionString.replace(/\/jobdeck$/, '/postgres'));
    await admin.connect();
    try {
      await admin.query('drop database jobdeck');
      const { rowCount } = await admin.query(`select 1 from pg_database where datname = 'jobdeck'`);
      assert.equal(rowCount, 0, 'dropped');
    } finally {
      await admin.end();
    }
  } finally {
    await server.stop();
  }

  const logs: string[] = [];
  te = await startTestEngine({ demo: false, runner: false, dataDir, log: (_level, message) => logs.push(message) });
  const status = te.engine.status().connection;
  assert.equal(status.state, 'online', status.error ?? '');
  assert.ok(status.schema?.installed, "graphile-worker's schema installed in the new database");
  assert.ok(
    logs.some((m) => /no jobdeck database: creating it/.test(m)),
    `the creation is logged: ${logs.join(' | ')}`,
  );
  const added = await te.call('jobs.add', { task: 'after_recreate', payload: {} });
  const { rows } = await te.engine.parts.sessions
    .require()
    .pool.query<{ n: number }>(`select count(*)::int as n from graphile_worker._private_jobs where id = $1`, [added.jobId]);
  assert.equal(rows[0].n, 1, 'a job added through the console is in the new database');
});

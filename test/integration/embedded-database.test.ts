/**
 * At a start on an existing data folder the console neither checks for its embedded database (a connection of its
 * own, see `databaseOnDemand`) nor runs graphile-worker's migrations when the installed graphile-worker already did
 * and the schema has not moved since (`migrateEmbedded`). What it skips must still be done when needed: a database
 * dropped by hand is created again, a schema dropped or left by another graphile-worker release is installed again.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { dataDirCluster, startEmbeddedPostgres } from '../../src/engine/pg/embedded.ts';
import { installedWorkerVersion, migratedByRepo } from '../../src/engine/connections/embedded-schema.ts';

const engines: TestEngine[] = [];
const dataDirs: string[] = [];
after(async () => {
  for (const te of engines) await te.close();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts a console on the embedded database of `dataDir` (a new one without), logging what it says. */
async function startConsole(dataDir?: string): Promise<{ te: TestEngine; logs: string[] }> {
  const logs: string[] = [];
  const te = await startTestEngine({ demo: false, runner: false, dataDir, log: (_level, message) => logs.push(message) });
  engines.push(te);
  if (!dataDir) dataDirs.push(te.dataDir);
  const status = te.engine.status().connection;
  assert.equal(status.state, 'online', status.error ?? '');
  assert.ok(status.schema?.installed, "graphile-worker's schema is installed");
  return { te, logs };
}

async function stopConsole(te: TestEngine): Promise<void> {
  engines.splice(engines.indexOf(te), 1);
  await te.close({ keepData: true });
}

/** Runs `sql` on the stopped console's cluster, in `database`. */
async function onCluster(dataDir: string, database: string, sql: string): Promise<void> {
  const server = await startEmbeddedPostgres(dataDirCluster(dataDir));
  try {
    const client = new pg.Client(server.connectionString.replace(/\/jobdeck$/, `/${database}`));
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  } finally {
    await server.stop();
  }
}

const jobsOf = async (te: TestEngine, task: string) => {
  const { rows } = await te.engine.parts.sessions
    .require()
    .pool.query<{ n: number }>(`select count(*)::int as n from graphile_worker.jobs where task_identifier = $1`, [task]);
  return rows[0].n;
};

test('an embedded cluster that lost its database gets it back at the next start, schema and all', async () => {
  const first = await startConsole();
  const dataDir = first.te.dataDir;
  await stopConsole(first.te);
  await onCluster(dataDir, 'postgres', 'drop database jobdeck');

  const { te, logs } = await startConsole(dataDir);
  assert.ok(
    logs.some((m) => /no jobdeck database: creating it/.test(m)),
    `the creation is logged: ${logs.join(' | ')}`,
  );
  await te.call('jobs.add', { task: 'after_recreate', payload: {} });
  assert.equal(await jobsOf(te, 'after_recreate'), 1, 'a job added through the console is in the new database');
});

test("graphile-worker's schema is installed again when it moved since the last install, or another release made it", async () => {
  const first = await startConsole();
  const dataDir = first.te.dataDir;
  const worker = installedWorkerVersion();
  assert.match(worker ?? '', /^\d+\.\d+\.\d+/, "graphile-worker's release is read from its package");
  const recorded = migratedByRepo(first.te.engine.parts.db).get();
  assert.equal(recorded?.worker, worker, 'the first start recorded which release installed the schema');
  assert.equal(recorded?.migration, first.te.engine.status().connection.schema?.version, '...and at which migration');
  await first.te.call('jobs.add', { task: 'kept', payload: {} });
  await stopConsole(first.te);

  // Unchanged: the schema and its jobs as they were.
  const second = await startConsole(dataDir);
  assert.equal(await jobsOf(second.te, 'kept'), 1);
  await stopConsole(second.te);

  // Dropped by hand: installed again.
  await onCluster(dataDir, 'jobdeck', 'drop schema graphile_worker cascade');
  const third = await startConsole(dataDir);
  assert.equal(await jobsOf(third.te, 'kept'), 0, 'a new, empty schema');
  await third.te.call('jobs.add', { task: 'in_new_schema', payload: {} });
  assert.equal(await jobsOf(third.te, 'in_new_schema'), 1);

  // Recorded by another release: graphile-worker checks its schema again, and the record is this release's.
  migratedByRepo(third.te.engine.parts.db).set({ worker: '0.0.1', migration: recorded.migration });
  await stopConsole(third.te);
  const fourth = await startConsole(dataDir);
  assert.equal(migratedByRepo(fourth.te.engine.parts.db).get()?.worker, worker);
  assert.equal(await jobsOf(fourth.te, 'in_new_schema'), 1, 'the same schema, its jobs kept');
});

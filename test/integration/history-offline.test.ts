import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startTestPostgres, type OwnTestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/engine/pg/embedded.ts';
import { MESSAGES_BY_TYPE } from '../fixtures/history-messages.ts';
import { startChildWorker, type ChildWorker } from '../fixtures/history-child.ts';
import { createEngine, type Engine } from '../../src/engine/index.ts';

let db: OwnTestPostgres;
let server: EmbeddedPostgresHandle;
let te: TestEngine;
let child: ChildWorker | null = null;
let late: Engine | null = null;

before(async () => {
  // A cluster of its own: the tests stop and restart it.
  db = await startTestPostgres({ ownCluster: true });
  // The server goes away on purpose: idle clients must not crash the test process.
  db.pool.on('error', () => {});
  server = db.server;
  te = await startTestEngine({ databaseUrl: db.connectionString, runner: false });
});
after(async () => {
  await late?.stop(5_000);
  await child?.stop();
  // The last test hands the data directory over to `late`, with `te` closed already.
  if (late) rmSync(te.dataDir, { recursive: true, force: true });
  else await te?.close();
  await db.pool.end().catch(() => {});
  await server?.stop().catch(() => {});
  rmSync(db.tmpDir, { recursive: true, force: true });
});

const watcher = () => te.engine.parts.history.watcher()!;

async function addFailing(types: string[]): Promise<void> {
  for (const type of types) {
    await db.pool.query(`select graphile_worker.add_job('ext_fail', $1::json, max_attempts => 1)`, [
      JSON.stringify({ message: MESSAGES_BY_TYPE[type] }),
    ]);
  }
}

const BEFORE = ['rate_limit', 'timeout', 'invalid_json'];
const WHILE_AWAY = ['auth', 'network', 'parse_error', 'other'];

test('Postgres stops mid-session: offline with history readable, then catch-up with nothing missing', async () => {
  child = await startChildWorker(db.connectionString);
  await addFailing(BEFORE);
  await waitFor('the first failures', async () => (await te.call('history.list', { limit: 50 })).rows.length === BEFORE.length, 20_000);
  await child.stop();
  child = null;

  // Work that will run while Jobdeck cannot see the database.
  await addFailing(WHILE_AWAY);
  await db.pool.query(`select graphile_worker.add_job('ext_ok', '{}'::json) from generate_series(1, 3)`);
  await watcher().scanNow();

  await server.stop();
  const status = await waitFor(
    'the offline state',
    async () => {
      const s = await te.call('app.status');
      return s.connection.state === 'offline' ? s : null;
    },
    20_000,
  );
  assert.ok(status.connection.lastSnapshotAt, 'the time of the last snapshot is known');
  assert.ok(status.connection.error);
  // Every history read keeps working from SQLite.
  const page = await te.call('history.list', { limit: 50 });
  assert.deepEqual(page.rows.map((r) => r.errorType).sort(), [...BEFORE].sort());
  const summary = await te.call('history.summary', { window: '24h' });
  assert.equal(summary.failures, BEFORE.length);
  const csv = await te.call('history.export', { format: 'csv', search: 'JSONDecodeError' });
  assert.equal(csv.content.trim().split('\r\n').length, 2, 'header + the one matching row');
  const hs = await te.call('history.status', {});
  assert.equal(hs.live, false);
  assert.ok(hs.lastScanAt);

  // Back on the same directory and port; another process works before Jobdeck has reconnected.
  server = await startEmbeddedPostgres({ dir: path.join(db.tmpDir, 'pg'), port: server.port });
  child = await startChildWorker(db.connectionString);
  const rows = await waitFor(
    'the failures that happened while offline',
    async () => {
      const r = (await te.call('history.list', { limit: 50 })).rows;
      return r.length >= BEFORE.length + WHILE_AWAY.length ? r : null;
    },
    45_000,
  );
  assert.deepEqual(rows.map((r) => r.errorType).sort(), [...BEFORE, ...WHILE_AWAY].sort());
  const after = await waitFor(
    'the completions that happened while offline',
    async () => {
      const s = await te.call('history.summary', { window: '1h' });
      return s.successes >= 3 ? s : null;
    },
    20_000,
  );
  assert.equal(after.successes, 3);
  assert.equal((await te.call('app.status')).connection.state, 'online');
});

test('started with no connection at all, the saved history is still there', async () => {
  await child?.stop();
  child = null;
  const connectionId = (await te.call('app.status')).connection.profileId;
  const dataDir = te.dataDir;
  await te.close({ keepData: true });
  te = await startTestEngine({ dataDir, offline: true });
  assert.equal((await te.call('app.status')).connection.state, 'none');
  const hs = await te.call('history.status', {});
  assert.equal(hs.connectionId, connectionId, 'defaults to the last active connection');
  assert.ok(hs.lastScanAt);
  const all = await te.call('history.list', { limit: 500 });
  assert.equal(all.rows.length, BEFORE.length + WHILE_AWAY.length);
  const byType = await te.call('history.list', { errorType: 'auth', limit: 10 });
  assert.equal(byType.rows.length, 1);
  const json = await te.call('history.export', { format: 'json' });
  assert.equal(json.nextCursor, null);
  const parsed = JSON.parse(json.content) as { errorType: string }[];
  assert.equal(parsed.length, all.rows.length);
  await assert.rejects(te.call('history.list', { cursor: 'nope' }), /cursor/);
});

test('started while Postgres is down: the saved history shows, then it connects by itself and records again', async () => {
  const dataDir = te.dataDir;
  await te.close({ keepData: true });
  await server.stop();
  late = createEngine({ dataDir, mode: 'web', log: () => {} });
  await assert.rejects(late.start({ databaseUrl: db.connectionString, runner: false }));
  const call = async (name: string, input: unknown = {}) => {
    const r = await late!.call(name, input);
    if (!r.ok) throw new Error(r.error.message);
    return r.data as never;
  };
  assert.equal(((await call('app.status')) as { connection: { state: string } }).connection.state, 'error');
  const saved = ((await call('history.list', { limit: 500 })) as { rows: unknown[] }).rows.length;
  assert.equal(saved, BEFORE.length + WHILE_AWAY.length, 'the history of the last connection, while unreachable');

  server = await startEmbeddedPostgres({ dir: path.join(db.tmpDir, 'pg'), port: server.port });
  await waitFor(
    'the engine to connect by itself',
    async () => ((await call('app.status')) as { connection: { state: string } }).connection.state === 'online',
    30_000,
  );
  child = await startChildWorker(db.connectionString);
  await db.pool.query(`select graphile_worker.add_job('ext_fail', $1::json, max_attempts => 1)`, [
    JSON.stringify({ message: MESSAGES_BY_TYPE.provider_error }),
  ]);
  await waitFor(
    'the new failure',
    async () => ((await call('history.list', { errorType: 'provider_error', limit: 10 })) as { rows: unknown[] }).rows.length === 1,
    20_000,
  );
});

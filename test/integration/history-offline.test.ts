import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/engine/pg/embedded.ts';
import { MESSAGES_BY_TYPE } from '../fixtures/history-messages.ts';
import { startChildWorker, type ChildWorker } from '../fixtures/history-child.ts';
import { createEngine, type Engine } from '../../src/engine/index.ts';

/** One test's database, engine and workers; the test replaces them as it goes, and its cleanup closes the last ones. */
interface Scenario {
  db: TestPostgres;
  /** The cluster's server now (a test that stops and restarts it updates this); only with a cluster of its own. */
  server: EmbeddedPostgresHandle | null;
  te: TestEngine;
  child: ChildWorker | null;
  /** An engine the test created itself on `te`'s data directory, with `te` closed already. */
  late: Engine | null;
  watcher(): HistoryWatcher;
  addFailing(types: string[]): Promise<void>;
}

type HistoryWatcher = NonNullable<ReturnType<Engine['parts']['history']['watcher']>>;

/**
 * A fresh database (on a cluster of its own when the test stops Postgres) and an engine watching it: one per test,
 * with everything it started stopped and removed when the test ends.
 */
async function startScenario(t: TestContext, options: { ownCluster: boolean }): Promise<Scenario> {
  const db: TestPostgres = options.ownCluster ? await startTestPostgres({ ownCluster: true }) : await startTestPostgres();
  const s = { db, server: db.server ?? null, child: null, late: null } as Omit<Scenario, 'te'> & { te?: TestEngine };
  t.after(async () => {
    await s.late?.stop(5_000);
    await s.child?.stop();
    // A test that hands the data directory over to `late` has closed `te` already.
    if (s.late && s.te) rmSync(s.te.dataDir, { recursive: true, force: true });
    else await s.te?.close();
    if (options.ownCluster) {
      await db.pool.end().catch(() => {});
      await s.server?.stop().catch(() => {});
      rmSync(db.tmpDir!, { recursive: true, force: true });
    } else await db.close();
  });
  s.te = await startTestEngine({ databaseUrl: db.connectionString, runner: false });
  const scenario = s as Scenario;
  scenario.watcher = () => scenario.te.engine.parts.history.watcher()!;
  scenario.addFailing = async (types) => {
    for (const type of types) {
      await db.pool.query(`select graphile_worker.add_job('ext_fail', $1::json, max_attempts => 1)`, [
        JSON.stringify({ message: MESSAGES_BY_TYPE[type] }),
      ]);
    }
  };
  return scenario;
}

const BEFORE = ['rate_limit', 'timeout', 'invalid_json'];
const WHILE_AWAY = ['auth', 'network', 'parse_error', 'other'];

/** The history the first test ends with: every failure, before and while away, seen by the watcher. */
async function saveHistory(s: Scenario): Promise<void> {
  s.child = await startChildWorker(s.db.connectionString);
  await s.addFailing([...BEFORE, ...WHILE_AWAY]);
  await waitFor(
    'every failure in the history',
    async () => (await s.te.call('history.list', { limit: 50 })).rows.length === BEFORE.length + WHILE_AWAY.length,
    20_000,
  );
  await s.watcher().scanNow();
  await s.child.stop();
  s.child = null;
}

test('Postgres stops mid-session: offline with history readable, then catch-up with nothing missing', async (t) => {
  const s = await startScenario(t, { ownCluster: true });
  s.child = await startChildWorker(s.db.connectionString);
  await s.addFailing(BEFORE);
  await waitFor('the first failures', async () => (await s.te.call('history.list', { limit: 50 })).rows.length === BEFORE.length, 20_000);
  await s.child.stop();
  s.child = null;

  // Work that will run while Jobdeck cannot see the database.
  await s.addFailing(WHILE_AWAY);
  await s.db.pool.query(`select graphile_worker.add_job('ext_ok', '{}'::json) from generate_series(1, 3)`);
  await s.watcher().scanNow();

  await s.server!.stop();
  const status = await waitFor(
    'the offline state',
    async () => {
      const st = await s.te.call('app.status');
      return st.connection.state === 'offline' ? st : null;
    },
    20_000,
  );
  assert.ok(status.connection.lastSnapshotAt, 'the time of the last snapshot is known');
  assert.ok(status.connection.error);
  // Every history read keeps working from SQLite.
  const page = await s.te.call('history.list', { limit: 50 });
  assert.deepEqual(page.rows.map((r) => r.errorType).sort(), [...BEFORE].sort());
  const summary = await s.te.call('history.summary', { window: '24h' });
  assert.equal(summary.failures, BEFORE.length);
  const csv = await s.te.call('history.export', { format: 'csv', search: 'JSONDecodeError' });
  assert.equal(csv.content.trim().split('\r\n').length, 2, 'header + the one matching row');
  const hs = await s.te.call('history.status', {});
  assert.equal(hs.live, false);
  assert.ok(hs.lastScanAt);

  // Back on the same directory and port; another process works before Jobdeck has reconnected.
  s.server = await startEmbeddedPostgres({ dir: path.join(s.db.tmpDir!, 'pg'), port: s.server!.port });
  s.child = await startChildWorker(s.db.connectionString);
  const rows = await waitFor(
    'the failures that happened while offline',
    async () => {
      const r = (await s.te.call('history.list', { limit: 50 })).rows;
      return r.length >= BEFORE.length + WHILE_AWAY.length ? r : null;
    },
    45_000,
  );
  assert.deepEqual(rows.map((r) => r.errorType).sort(), [...BEFORE, ...WHILE_AWAY].sort());
  const after = await waitFor(
    'the completions that happened while offline',
    async () => {
      const sum = await s.te.call('history.summary', { window: '1h' });
      return sum.successes >= 3 ? sum : null;
    },
    20_000,
  );
  assert.equal(after.successes, 3);
  // Online again as soon as the console reaches the database, not at the counts' next try after a long backoff.
  await waitFor('the online state', async () => (await s.te.call('app.status')).connection.state === 'online', 5_000);
});

test('started with no connection at all, the saved history is still there', async (t) => {
  // No server stops here: a database on the shared cluster will do.
  const s = await startScenario(t, { ownCluster: false });
  await saveHistory(s);
  await s.child?.stop();
  s.child = null;
  const connectionId = (await s.te.call('app.status')).connection.profileId;
  const dataDir = s.te.dataDir;
  await s.te.close({ keepData: true });
  s.te = await startTestEngine({ dataDir, offline: true });
  assert.equal((await s.te.call('app.status')).connection.state, 'none');
  const hs = await s.te.call('history.status', {});
  assert.equal(hs.connectionId, connectionId, 'defaults to the last active connection');
  assert.ok(hs.lastScanAt);
  const all = await s.te.call('history.list', { limit: 500 });
  assert.equal(all.rows.length, BEFORE.length + WHILE_AWAY.length);
  const byType = await s.te.call('history.list', { errorType: 'auth', limit: 10 });
  assert.equal(byType.rows.length, 1);
  const json = await s.te.call('history.export', { format: 'json' });
  assert.equal(json.nextCursor, null);
  const parsed = JSON.parse(json.content) as { errorType: string }[];
  assert.equal(parsed.length, all.rows.length);
  await assert.rejects(s.te.call('history.list', { cursor: 'nope' }), /cursor/);
  // Asked by id: the last connection's history answers; an id nothing was recorded for is a 404, not zeros.
  assert.equal((await s.te.call('history.summary', { connectionId })).connectionId, connectionId);
  for (const name of ['history.summary', 'history.status', 'history.list', 'usage.summary'] as const) {
    const unknown = await s.te.engine.call(name, { connectionId: 'nope' });
    assert.ok(!unknown.ok && unknown.error.code === 'not_found', `${name}: ${JSON.stringify(unknown)}`);
    assert.equal(unknown.error.message, 'No saved connection or recorded history has the id "nope" (connections.list names them)');
  }
});

test('started while Postgres is down: the saved history shows, then it connects by itself and records again', async (t) => {
  const s = await startScenario(t, { ownCluster: true });
  await saveHistory(s);
  const dataDir = s.te.dataDir;
  await s.te.close({ keepData: true });
  await s.server!.stop();
  s.late = createEngine({ dataDir, mode: 'web', log: () => {} });
  await assert.rejects(s.late.start({ databaseUrl: s.db.connectionString, runner: false }));
  const call = async (name: string, input: unknown = {}) => {
    const r = await s.late!.call(name, input);
    if (!r.ok) throw new Error(r.error.message);
    return r.data as never;
  };
  assert.equal(((await call('app.status')) as { connection: { state: string } }).connection.state, 'error');
  const saved = ((await call('history.list', { limit: 500 })) as { rows: unknown[] }).rows.length;
  assert.equal(saved, BEFORE.length + WHILE_AWAY.length, 'the history of the last connection, while unreachable');

  s.server = await startEmbeddedPostgres({ dir: path.join(s.db.tmpDir!, 'pg'), port: s.server!.port });
  await waitFor(
    'the engine to connect by itself',
    async () => ((await call('app.status')) as { connection: { state: string } }).connection.state === 'online',
    30_000,
  );
  s.child = await startChildWorker(s.db.connectionString);
  await s.db.pool.query(`select graphile_worker.add_job('ext_fail', $1::json, max_attempts => 1)`, [
    JSON.stringify({ message: MESSAGES_BY_TYPE.provider_error }),
  ]);
  await waitFor(
    'the new failure',
    async () => ((await call('history.list', { errorType: 'provider_error', limit: 10 })) as { rows: unknown[] }).rows.length === 1,
    20_000,
  );
});

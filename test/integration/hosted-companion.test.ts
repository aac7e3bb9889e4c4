import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTestPostgres, withDatabase, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import type { HistoryStatus } from '../../src/shared/model/history.ts';
import type { WorkersList } from '../../src/shared/model/workers.ts';

const TASKS = path.resolve(import.meta.dirname, '../fixtures/tasks');

/** A fresh database and an engine whose hosted runner runs the fixture tasks, as `url`'s role; closed after the test. */
async function start(t: TestContext, db: TestPostgres, url = db.connectionString): Promise<TestEngine> {
  const te = await startTestEngine({ databaseUrl: url, runner: true, taskDirectory: TASKS, concurrency: 2 });
  t.after(() => te.close());
  await waitFor('the hosted runner', () => te.engine.parts.hosted.poolId());
  return te;
}

async function addJob(db: TestPostgres, task: string, payload: object = {}): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(`select (graphile_worker.add_job($1, $2::json)).id::text as id`, [
    task,
    JSON.stringify(payload),
  ]);
  return rows[0].id;
}

const gone = async (db: TestPostgres, id: string) =>
  (await db.pool.query('select 1 from graphile_worker._private_jobs where id = $1', [id])).rowCount === 0;

test("the hosted runner's attempts arrive through the companion: its rows, its heartbeat, one attempt each", async (t) => {
  const db = await startTestPostgres();
  t.after(() => db.close());
  await db.pool.query('create table fixture_visits (job_id bigint, n int)');
  const te = await start(t, db);
  const poolId = te.engine.parts.hosted.poolId()!;

  const ok = await addJob(db, 'record_visit', { n: 1 });
  const retried = await addJob(db, 'fail_once');
  const rows = await waitFor('both jobs recorded by the hosted runner’s companion', async () => {
    const { rows } = await db.pool.query<{ job_id: string; attempt: number; outcome: string; pool_id: string }>(
      `select job_id::text, attempt, outcome, pool_id from jobdeck.attempts where job_id = any($1::bigint[]) order by job_id, attempt`,
      [[ok, retried]],
    );
    return rows.length === 3 ? rows : null;
  });
  assert.deepEqual(
    rows.map((r) => [r.job_id, r.attempt, r.outcome, r.pool_id]),
    [
      [ok, 1, 'success', poolId],
      [retried, 1, 'failure', poolId],
      [retried, 2, 'success', poolId],
    ],
  );

  // The reader brings them into the history, each once (the runner no longer records them on its own).
  const job = await waitFor('the succeeded job in the history', async () => {
    const j = await te.call('jobs.get', { id: ok });
    return j.attemptsSeen.length > 0 ? j : null;
  });
  assert.deepEqual(
    job.attemptsSeen.map((a) => [a.attempt, a.outcome, a.source, a.poolId]),
    [[1, 'succeeded', 'runner', poolId]],
  );
  const twice = await waitFor('both attempts of the retried job', async () => {
    const j = await te.call('jobs.get', { id: retried });
    return j.attemptsSeen.length >= 2 ? j : null;
  });
  assert.deepEqual(
    twice.attemptsSeen.map((a) => [a.attempt, a.outcome]),
    [
      [1, 'failed'],
      [2, 'succeeded'],
    ],
  );
  await te.engine.parts.history.reader()!.readNow();
  assert.equal((await te.call('jobs.get', { id: retried })).attemptsSeen.length, 2, 'read again: still one row per attempt');
  const failures = await te.call('history.list', { task: 'fail_once' });
  assert.equal(failures.rows.length, 1, 'the failed attempt is kept once');
  assert.ok(await gone(db, ok));

  // Its pool heartbeats like any worker's; the Workers view lists it from that row, still as this console's.
  const { rows: beat } = await db.pool.query<{ pid: number; host: string; concurrency: number; stopped_at: Date | null }>(
    'select pid, host, concurrency, stopped_at from jobdeck.workers where pool_id = $1',
    [poolId],
  );
  assert.deepEqual([beat[0]?.pid, beat[0]?.concurrency, beat[0]?.stopped_at], [process.pid, 2, null]);
  const list: WorkersList = await te.call('workers.list');
  const hosted = list.workers.filter((w) => w.poolId === poolId);
  assert.equal(hosted.length, 1, 'listed once');
  assert.deepEqual(
    [hosted[0].source, hosted[0].liveness, hosted[0].pid, hosted[0].host, hosted[0].concurrency],
    ['hosted', 'alive', process.pid, beat[0].host, 2],
  );
  assert.match(hosted[0].graphileWorkerVersion ?? '', /^\d+\.\d+\.\d+/);
  assert.ok(hosted[0].lastHeartbeatAt, 'its heartbeat');
  assert.deepEqual(hosted[0].tasks, ['fail_once', 'record_visit', 'wait_for_abort']);
  assert.equal(hosted[0].recording?.state, 'recording');

  const status: HistoryStatus = await te.call('history.status');
  assert.equal(status.hostedRecording?.state, 'recording');
  assert.equal(status.pools.find((p) => p.poolId === poolId)?.account, 'hosted');

  // The Stuck view names this console's pool with the host and heartbeat the Workers view shows (a review saw nulls).
  await addJob(db, 'wait_for_abort');
  const held = await waitFor('this console’s pool holding a job in the Stuck report', async () =>
    (await te.call('stuck.get', {})).pools.find((p) => p.poolId === poolId),
  );
  assert.deepEqual([held.host, held.liveness, held.knownBy], [beat[0].host, 'alive', 'runner']);
  assert.ok(held.lastHeartbeatAt, 'its heartbeat');
});

test('a role that may not create the jobdeck schema: the jobs run, and the console says their attempts are not recorded, and what to grant', async (t) => {
  const db = await startTestPostgres();
  t.after(() => db.close());
  await db.pool.query('create table fixture_visits (job_id bigint, n int)');
  // Everything graphile-worker needs, and nothing more: no CREATE on the database (PUBLIC has none by default).
  const role = db.roleName('nocreate');
  await db.pool.query(`create role ${role} login bypassrls password 'nocreate';
    grant usage on schema graphile_worker to ${role};
    grant select, insert, update, delete on all tables in schema graphile_worker to ${role};
    grant usage, select on all sequences in schema graphile_worker to ${role};
    grant execute on all functions in schema graphile_worker to ${role};
    grant select, insert on fixture_visits to ${role}`);
  const canCreate = await db.pool.query<{ ok: boolean }>(`select has_database_privilege($1, current_database(), 'create') as ok`, [role]);
  assert.equal(canCreate.rows[0].ok, false, 'the role lacks CREATE on the database');
  const te = await start(t, db, withDatabase(db.connectionString, db.database, { user: role, password: 'nocreate' }));

  const ids = [await addJob(db, 'record_visit', { n: 1 }), await addJob(db, 'record_visit', { n: 2 })];
  await waitFor('the jobs to run and complete', async () => (await Promise.all(ids.map((id) => gone(db, id)))).every(Boolean));
  const visits = await db.pool.query('select job_id from fixture_visits');
  assert.equal(visits.rowCount, 2, 'the companion never hurts a job');

  const status = await waitFor('history.status to say the runner is not recorded', async () => {
    const s: HistoryStatus = await te.call('history.status');
    return s.hostedRecording?.state === 'not_recording' ? s : null;
  });
  assert.match(status.hostedRecording!.message, /attempts are not being recorded/);
  assert.match(status.hostedRecording!.message, /permission denied/);
  assert.match(status.hostedRecording!.message, new RegExp(`grant create on database "${db.database}" to "${role}"`));
  const list: WorkersList = await te.call('workers.list');
  const hosted = list.workers.find((w) => w.source === 'hosted')!;
  assert.equal(hosted.liveness, 'alive', 'still this console’s running runner');
  assert.equal(hosted.recording?.state, 'not_recording');
  assert.match(hosted.reason, /attempts are not being recorded/);
  const schema = await db.pool.query(`select 1 from pg_namespace where nspname = 'jobdeck'`);
  assert.equal(schema.rowCount, 0, 'no schema was created');
});

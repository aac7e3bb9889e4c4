import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startCompanionWorker, waitFor, type CompanionChild } from '../fixtures/companion-kit/child.ts';
import { MIGRATIONS } from '../../src/worker/schema.ts';

// Liveness: one row per pool with a heartbeat that advances, stopped_at on a clean shutdown, and a heartbeat
// that simply stops when the process is killed. Three workers start at once on a database without the schema.

const HEARTBEAT_MS = 1_000;
let db: TestPostgres;
const children: CompanionChild[] = [];

before(async () => {
  db = await startTestPostgres();
});

after(async () => {
  for (const c of children) await c.kill();
  await db?.close();
});

interface WorkerRow {
  pool_id: string;
  worker_ids: string[];
  host: string;
  pid: number;
  process_started_at: Date | null;
  graphile_worker_version: string;
  companion_version: string;
  concurrency: number;
  task_identifiers: string[];
  started_at: Date;
  last_heartbeat_at: Date;
  heartbeat_interval_ms: number;
  stopped_at: Date | null;
}

async function workerRow(poolId: string): Promise<WorkerRow | undefined> {
  const { rows } = await db.pool.query<WorkerRow>(`select * from jobdeck.workers where pool_id = $1`, [poolId]);
  return rows[0];
}

test('three workers starting together on an empty database: one schema, one migration, three pool rows', async () => {
  const started = await Promise.all(
    [0, 1, 2].map((i) =>
      startCompanionWorker({
        connectionString: db.connectionString,
        concurrency: 3,
        mode: i === 1 ? 'dir' : 'list',
        jobdeck: { heartbeatIntervalMs: HEARTBEAT_MS },
      }),
    ),
  );
  children.push(...started);
  const rows = await waitFor('three pool rows', async () => {
    const r = await Promise.all(started.map((c) => workerRow(c.poolId)));
    return r.every(Boolean) ? (r as WorkerRow[]) : null;
  });
  const { rows: migrations } = await db.pool.query<{ id: number }>(`select id from jobdeck.migrations order by id`);
  assert.deepEqual(
    migrations.map((m) => m.id),
    MIGRATIONS.map((m) => m.id),
  );
  for (const [i, row] of rows.entries()) {
    assert.equal(row.pid, started[i].process.pid, 'the pid of the worker process');
    assert.ok(row.host.length > 0);
    assert.ok(row.process_started_at instanceof Date, 'process start time recorded');
    assert.ok(row.process_started_at <= row.started_at, 'the process started before its pool');
    assert.equal(row.graphile_worker_version, '0.17.3');
    assert.equal(row.concurrency, 3);
    assert.equal(row.worker_ids.length, 3);
    assert.ok(row.worker_ids.every((w) => w.startsWith('worker-')));
    assert.ok(row.task_identifiers.includes('cd_ok') && row.task_identifiers.includes('cd_wait_abort'));
    assert.equal(row.heartbeat_interval_ms, HEARTBEAT_MS);
    assert.equal(row.stopped_at, null);
  }
  // None of them logged a migration failure while racing the others.
  for (const c of started) assert.doesNotMatch(c.stderr(), /jobdeck\].*failed/);
});

test('the heartbeat advances while the worker runs', async () => {
  const poolId = children[0].poolId;
  const first = (await workerRow(poolId))!.last_heartbeat_at;
  const later = await waitFor('a later heartbeat', async () => {
    const row = await workerRow(poolId);
    return row && row.last_heartbeat_at > first ? row : null;
  });
  assert.equal(later.stopped_at, null);
});

test('a clean shutdown (SIGTERM, handled by graphile-worker) sets stopped_at', async () => {
  const child = children[0];
  await child.stop();
  assert.equal(
    child.process.signalCode ?? child.process.exitCode,
    'SIGTERM',
    'graphile-worker re-raised SIGTERM after its graceful shutdown',
  );
  const row = (await workerRow(child.poolId))!;
  assert.ok(row.stopped_at instanceof Date, 'stopped_at set before the process exited');
  assert.ok(row.stopped_at >= row.started_at);
});

test('a killed worker (SIGKILL) just stops heartbeating: no stopped_at, the heartbeat goes stale', async () => {
  const child = children[2];
  await child.kill();
  const atKill = (await workerRow(child.poolId))!;
  // Three intervals is the console's "gone" rule; wait a little more than that, measured by the database clock.
  const { rows } = await db.pool.query<{ t: Date }>(`select now() as t`);
  await waitFor('3 heartbeat intervals to pass', async () => {
    const { rows: r } = await db.pool.query<{ ok: boolean }>(`select now() - $1::timestamptz > make_interval(secs => $2) as ok`, [
      rows[0].t,
      (4 * HEARTBEAT_MS) / 1000,
    ]);
    return r[0].ok;
  });
  const after = (await workerRow(child.poolId))!;
  assert.equal(after.stopped_at, null);
  assert.deepEqual(after.last_heartbeat_at, atKill.last_heartbeat_at, 'no heartbeat after the kill');
  const { rows: gone } = await db.pool.query<{ pool_id: string }>(
    `select pool_id from jobdeck.workers
     where stopped_at is null and last_heartbeat_at < now() - 3 * heartbeat_interval_ms * interval '1 millisecond'`,
  );
  assert.deepEqual(
    gone.map((g) => g.pool_id),
    [child.poolId],
    'only the killed pool is gone; the live one is not',
  );
});

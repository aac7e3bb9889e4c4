import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { startTestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor } from '../helpers/engine.ts';
import { startEmbeddedPostgres } from '../../src/engine/pg/embedded.ts';
import { createRecoveryRuns } from '../fixtures/recovery-runs.ts';
import { startCompanionWorker } from '../fixtures/companion-kit/child.ts';
import { settleStoppedPool } from '../../src/engine/runner/settle-pool.ts';

// A Postgres outage while the hosted runner holds jobs (issue 11.5): an outcome written during the outage is lost
// (graphile-worker does not retry a refused connection), which left jobs locked by a live pool for 4 hours while
// the runner showed 0 running. Now the pool is renewed when the database returns, and its jobs are settled as the
// companion recorded them, or released.

const TASKS = path.resolve(import.meta.dirname, '../fixtures/outage-tasks');

interface Run {
  key: string;
  attempt: number;
  started_at: Date;
  finished_at: Date | null;
}

test('Postgres stops while the hosted runner holds jobs: a short outage changes nothing, a long one renews the pool; no job lost, none run twice at once', async (t) => {
  const db = await startTestPostgres({ ownCluster: true });
  let server = db.server;
  const logs: string[] = [];
  const te = await startTestEngine({
    databaseUrl: db.connectionString,
    runner: true,
    taskDirectory: TASKS,
    concurrency: 4,
    log: (level, message) => logs.push(`${level}: ${message}`),
  });
  // The tasks run until a file appears: the test decides when they end, with or without the database.
  const signals = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-outage-'));
  const endJobs = (name: string) => writeFileSync(path.join(signals, name), '');
  t.after(async () => {
    endJobs('short');
    endJobs('long');
    await te.close();
    await db.pool.end().catch(() => {});
    await server.stop().catch(() => {});
    rmSync(db.tmpDir, { recursive: true, force: true });
    rmSync(signals, { recursive: true, force: true });
  });
  await createRecoveryRuns(db.pool);
  const runner = () => te.engine.status().runner;
  const restart = async () => {
    server = await startEmbeddedPostgres({ dir: path.join(db.tmpDir, 'pg'), port: server.port });
  };
  const add = async (keys: string[], until: string) => {
    for (const key of keys) {
      await db.pool.query(`select graphile_worker.add_job('outage_work', $1::json)`, [
        JSON.stringify({ key, until: path.join(signals, until) }),
      ]);
    }
    await waitFor(`${keys.join(', ')} running`, async () => {
      const { rows } = await db.pool.query<{ n: number }>('select count(*)::int as n from recovery_runs where key = any($1)', [keys]);
      return rows[0].n === keys.length && runner().runningJobs === keys.length;
    });
  };
  const runsOf = async (keys: string[]) =>
    (await db.pool.query<Run>('select key, attempt, started_at, finished_at from recovery_runs where key = any($1) order by id', [keys]))
      .rows;
  /** Every job of `keys` finished once, no two runs of one job overlapped, and nothing is left in the queue. */
  const assertSettled = async (keys: string[]) => {
    const runs = await waitFor(
      'every job finished and gone',
      async () => {
        const left = await db.pool.query('select 1 from graphile_worker.jobs');
        const r = await runsOf(keys);
        return left.rowCount === 0 && keys.every((k) => r.some((x) => x.key === k && x.finished_at)) ? r : null;
      },
      60_000,
    );
    for (const key of keys) {
      const mine = runs.filter((r) => r.key === key);
      assert.equal(mine.filter((r) => r.finished_at).length, 1, `${key} finished exactly once: ${JSON.stringify(mine)}`);
      for (let i = 1; i < mine.length; i++) {
        const before = mine[i - 1];
        assert.ok(before.finished_at === null || before.finished_at <= mine[i].started_at, `${key}: runs overlap`);
      }
    }
    return runs;
  };

  const logged = () => logs.filter((l) => !l.includes('PostgreSQL')).join('\n');
  const seeOutage = () =>
    waitFor('the runner to see the outage', () => runner().error?.includes('unreachable'), 30_000).catch((error: Error) => {
      throw new Error(`${error.message}; runner ${JSON.stringify(runner())}; log:\n${logged()}`);
    });

  // A short outage: the jobs outlast it, their outcomes are written after it; the pool stays.
  const firstPool = runner().poolId;
  assert.ok(firstPool);
  await add(['short-a', 'short-b'], 'short');
  await server.stop();
  await seeOutage();
  await restart();
  endJobs('short');
  const shortRuns = await assertSettled(['short-a', 'short-b']);
  assert.equal(shortRuns.length, 2, 'nothing ran again');
  await waitFor('the outage note cleared', () => runner().error === null);
  assert.equal(runner().poolId, firstPool, 'the same pool: nothing was lost');

  // A long outage: the jobs end while Postgres is down (their last statement fails), their outcomes cannot be
  // written, and graphile-worker shuts the pool down. The runner says so, then renews its pool when Postgres is
  // back; the old pool's jobs are released (the companion could not record those attempts either) and run again.
  await add(['long-a', 'long-b', 'long-c'], 'long');
  await server.stop();
  await seeOutage();
  endJobs('long');
  await waitFor('the jobs to end during the outage', () => runner().runningJobs === 0 && runner().state !== 'running', 30_000);
  assert.ok(runner().error, `the runner says what is going on: ${JSON.stringify(runner())}`);
  await restart();
  const renewed = await waitFor(
    'a new pool',
    () => (runner().state === 'running' && runner().poolId !== firstPool ? runner() : null),
    60_000,
  );
  assert.equal(renewed.error, null);
  const longRuns = await assertSettled(['long-a', 'long-b', 'long-c']);
  assert.ok(longRuns.length >= 6, 'each ran again after its lost outcome');
  const { rows: held } = await db.pool.query('select id from graphile_worker.jobs where locked_by = $1', [firstPool]);
  assert.equal(held.length, 0, 'the old pool holds nothing');
  assert.ok(
    logs.some((l) => /renewing the runner's pool: graphile-worker stopped the pool/.test(l)),
    `the log says why the pool was renewed:\n${logged()}`,
  );
});

test('a stopped pool’s jobs are settled as the companion recorded them: completed, failed for good, retried with backoff, or released', async (t) => {
  const db = await startTestPostgres();
  t.after(() => db.close());
  const worker = await startCompanionWorker({ connectionString: db.connectionString, concurrency: 4, pollInterval: 100 });
  t.after(() => worker.kill());
  const ids: Record<string, string> = {};
  for (const [key, maxAttempts] of [
    ['ok', 3],
    ['last', 1],
    ['again', 3],
    ['unknown', 3],
  ] as const) {
    const { rows } = await db.pool.query<{ id: string }>(
      `select id::text from graphile_worker.add_job('cd_sleep', '{"ms": 600000}'::json, max_attempts => $1::int, job_key => $2)`,
      [maxAttempts, key],
    );
    ids[key] = rows[0].id;
  }
  await waitFor(
    'the worker to hold all four',
    async () => (await db.pool.query('select 1 from graphile_worker.jobs where locked_by = $1', [worker.poolId])).rowCount === 4,
  );
  // The companion creates its schema as the pool starts; the jobs may be taken before it is done.
  await waitFor(
    'the jobdeck schema',
    async () => (await db.pool.query<{ ok: boolean }>(`select to_regclass('jobdeck.attempts') is not null as ok`)).rows[0].ok,
  );
  await worker.kill();
  // What the companion would have written had the outcomes ended while the database was away (attempt 1 each).
  const record = (key: string, outcome: string, error: string | null, maxAttempts: number) =>
    db.pool.query(
      `insert into jobdeck.attempts (job_id, task, attempt, max_attempts, started_at, finished_at, duration_ms, outcome, error, pool_id)
       values ($1, 'cd_sleep', 1, $2, now() - interval '1 second', now(), 1000, $3, $4, $5)`,
      [ids[key], maxAttempts, outcome, error, worker.poolId],
    );
  await record('ok', 'success', null, 3);
  await record('last', 'failure', 'quota exceeded for good', 1);
  await record('again', 'failure', 'rate limited', 3);
  // An attempt of another pool for the same job says nothing of this one.
  await db.pool.query(
    `insert into jobdeck.attempts (job_id, task, attempt, max_attempts, started_at, finished_at, duration_ms, outcome, pool_id)
     values ($1, 'cd_sleep', 1, 3, now(), now(), 1, 'success', 'pool-other')`,
    [ids.unknown],
  );

  const client = new pg.Client({ connectionString: db.connectionString });
  // Dropped with the database at the end (after hooks run in the order they were added).
  client.on('error', () => {});
  await client.connect();
  t.after(() => client.end());
  const report = await settleStoppedPool(client, worker.poolId);
  assert.deepEqual(report, { completed: 1, failed: 1, retried: 1, released: 1 });

  const { rows } = await db.pool.query<{
    key: string;
    attempts: number;
    locked_by: string | null;
    last_error: string | null;
    delay_s: number;
  }>(
    `select key, attempts, locked_by, last_error, extract(epoch from run_at - now())::float as delay_s from graphile_worker.jobs order by key`,
  );
  const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
  assert.equal(byKey.ok, undefined, 'the success is completed, not run again');
  assert.deepEqual([byKey.last.attempts, byKey.last.locked_by, byKey.last.last_error], [1, null, 'quota exceeded for good']);
  assert.equal(byKey.again.locked_by, null);
  assert.ok(
    byKey.again.delay_s > 1 && byKey.again.delay_s <= Math.exp(1) + 1,
    `retried after graphile-worker's backoff: ${byKey.again.delay_s}`,
  );
  assert.deepEqual([byKey.unknown.locked_by, byKey.unknown.attempts], [null, 1]);
  assert.ok(byKey.unknown.delay_s <= 0, 'released to run at once');
  assert.equal(rows.length, 3);

  // Settling again finds nothing left to do.
  assert.deepEqual(await settleStoppedPool(client, worker.poolId), { completed: 0, failed: 0, retried: 0, released: 0 });
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger, run, type Runner } from 'graphile-worker';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { waitFor } from '../fixtures/companion-kit/child.ts';
import { JobdeckPreset, type JobdeckOptions } from '../../src/worker/index.ts';
import { companionGlobal } from '../../src/worker/registry.ts';
import type { PoolRecorder } from '../../src/worker/pool-recorder.ts';

// The companion's own work that a shutdown cuts short (a retention run, statements left when the shutdown's flush
// budget ran out) is not a failure: the worker's log says nothing of it, beyond the timeout itself. In-process, to
// start a retention run at the moment of the stop (in a worker process it begins at a random time; CI once caught
// "retention failed: jobdeck companion connection closed" in a worker's log as it shut down).

let db: TestPostgres;

before(async () => {
  db = await startTestPostgres();
});

after(async () => {
  await db?.close();
});

async function startRunner(jobdeck: JobdeckOptions): Promise<{ runner: Runner; recorder: PoolRecorder; lines: string[] }> {
  const lines: string[] = [];
  const logger = new Logger(() => (level, message) => void lines.push(`[${level}] ${message}`));
  const known = new Set(companionGlobal().live);
  const runner = await run({
    connectionString: db.connectionString,
    concurrency: 1,
    pollInterval: 100,
    noHandleSignals: true,
    logger,
    taskList: { shutdown_noop: async () => {} },
    preset: { extends: [JobdeckPreset], jobdeck: { heartbeatIntervalMs: 100, retentionIntervalMs: 0, ...jobdeck } },
  });
  const recorder = await waitFor('the pool recorder', () => [...companionGlobal().live].find((r) => !known.has(r)) ?? null);
  // Its first heartbeat: the schema exists and the connection is open.
  await waitFor(
    'the first heartbeat',
    async () => (await db.pool.query(`select 1 from jobdeck.workers where pool_id = $1`, [recorder.poolId])).rows.length,
  );
  return { runner, recorder: recorder as PoolRecorder, lines };
}

const failures = (lines: string[]) => lines.filter((l) => /\[jobdeck\].*failed/.test(l));

test('a stop while a retention run is under way: the run stops between statements, nothing is logged as failed', async () => {
  const { runner, recorder, lines } = await startRunner({});
  const retention = recorder.retention();
  await runner.stop();
  await retention;
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(failures(lines), [], lines.join('\n'));
  const { rows } = await db.pool.query<{ stopped: boolean }>(
    `select stopped_at is not null as stopped from jobdeck.workers where pool_id = $1`,
    [recorder.poolId],
  );
  assert.deepEqual(rows, [{ stopped: true }], 'the pool was marked stopped');
});

test('a shutdown whose flush budget runs out: the timeout is said once; the statement the close cut off is not a failure', async () => {
  const { runner, recorder, lines } = await startRunner({ shutdownFlushTimeoutMs: 300 });
  // A heartbeat held up by a lock on its pool's row: the stop's statements queue behind it, and the close cuts it off.
  const blocker = await db.pool.connect();
  try {
    await blocker.query('begin');
    await blocker.query(`select 1 from jobdeck.workers where pool_id = $1 for update`, [recorder.poolId]);
    await waitFor(
      'a heartbeat waiting on the lock',
      async () =>
        (
          await db.pool.query(
            `select 1 from pg_stat_activity where datname = current_database() and application_name = 'jobdeck-companion' and wait_event_type = 'Lock'`,
          )
        ).rows.length,
    );
    await runner.stop();
  } finally {
    await blocker.query('rollback');
    blocker.release();
  }
  await waitFor(
    "the companion's session gone",
    async () =>
      (await db.pool.query(`select 1 from pg_stat_activity where datname = current_database() and application_name = 'jobdeck-companion'`))
        .rows.length === 0,
  );
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(failures(lines), [], lines.join('\n'));
  assert.equal(lines.filter((l) => /could not mark pool .* as stopped \(timeout\)/.test(l)).length, 1, lines.join('\n'));
});

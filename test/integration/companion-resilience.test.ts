import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startTestPostgres, testPool, type TestPostgres } from '../helpers/postgres.ts';
import { startCompanionWorker, waitFor, type CompanionChild } from '../fixtures/companion-kit/child.ts';
import { printSchemaSql } from '../../src/worker/schema.ts';

// The companion never hurts the job: no privileges, no schema, an unreachable database or a schema dropped
// while running change no job's outcome and do not block shutdown; the companion logs (rate-limited),
// keeps a bounded buffer and catches up once it can write again.

let db: TestPostgres;
const children: CompanionChild[] = [];

before(async () => {
  db = await startTestPostgres();
  await db.pool.query(`create role nopriv login password 'nopriv'`);
});

after(async () => {
  for (const c of children) await c.kill();
  await db?.close();
});

function asRole(connectionString: string, role: string): string {
  const url = new URL(connectionString);
  url.username = role;
  url.password = role;
  return url.toString();
}

async function addJobs(pool: pg.Pool, task: string, payload: unknown, n: number, maxAttempts = 1): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `select (graphile_worker.add_job($1, $2::json, max_attempts => $3)).id from generate_series(1, $4)`,
    [task, JSON.stringify(payload), maxAttempts, n],
  );
  return rows.map((r) => r.id);
}

async function jobsLeft(pool: pg.Pool, ids: string[]): Promise<Array<{ id: string; attempts: number; last_error: string | null }>> {
  const { rows } = await pool.query<{ id: string; attempts: number; last_error: string | null }>(
    `select id::text, attempts, last_error from graphile_worker.jobs where id = any($1::bigint[])`,
    [ids],
  );
  return rows;
}

test('a role without privileges: jobs run as if the companion were absent; once granted, the buffer is written', async () => {
  // A database of its own, where the jobdeck schema does not exist and nopriv may not create it.
  const otherDb = db.emptyConnectionString;
  const child = await startCompanionWorker({
    connectionString: otherDb,
    jobdeck: { connectionString: asRole(otherDb, 'nopriv'), heartbeatIntervalMs: 300, maxBufferedAttempts: 8 },
  });
  children.push(child);
  const pool = testPool(otherDb, 2);
  try {
    const ok = await addJobs(pool, 'cd_ok', {}, 20);
    const [failing] = await addJobs(pool, 'cd_fail', { message: 'boom' }, 1);
    await waitFor('the successes completed', async () => (await jobsLeft(pool, ok)).length === 0);
    const [failed] = await waitFor('the failure recorded by graphile-worker', async () => {
      // attempts counts a take: wait for the failure itself, not just the take.
      const rows = await jobsLeft(pool, [failing]);
      return rows[0]?.attempts === 1 && rows[0].last_error !== null ? rows : null;
    });
    assert.equal(failed.last_error, 'boom #1', 'the failure is the task’s own, untouched');

    const warnings = child
      .stderr()
      .split('\n')
      .filter((l) => l.includes('[jobdeck]') && l.includes('failed'));
    assert.ok(warnings.length >= 1, 'the problem is logged');
    assert.ok(warnings.length <= 4, `rate-limited, not one line per flush or heartbeat:\n${warnings.join('\n')}`);
    assert.match(child.stderr(), /permission denied/);
    await waitFor('the oldest attempts dropped from the bounded buffer', () => /dropped the \d+ oldest/.test(child.stderr()));

    // A DBA creates the schema and grants what the docs say; the companion catches up by itself.
    const admin = new pg.Client(otherDb);
    await admin.connect();
    await admin.query(printSchemaSql({ workerRole: 'nopriv', consoleRole: 'nopriv' }));
    await admin.end();
    const written = await waitFor(
      'the buffered attempts written after the grant',
      async () => {
        const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from jobdeck.attempts`);
        return rows[0].n > 0 ? rows[0].n : null;
      },
      90_000,
    );
    assert.ok(written <= 8, `at most the buffer's bound (${written})`);
    await waitFor(
      'the pool row',
      async () => (await pool.query(`select 1 from jobdeck.workers where pool_id = $1`, [child.poolId])).rows.length,
    );

    await child.stop();
    assert.equal(child.process.signalCode, 'SIGTERM', 'a clean, prompt exit');
    const { rows: w } = await pool.query<{ stopped_at: Date | null }>(`select stopped_at from jobdeck.workers where pool_id = $1`, [
      child.poolId,
    ]);
    assert.ok(w[0].stopped_at instanceof Date);
  } finally {
    await pool.end();
  }
});

test('an unreachable companion database: jobs complete and shutdown is not held up', async () => {
  const child = await startCompanionWorker({
    connectionString: db.connectionString,
    jobdeck: { connectionString: 'postgres://nobody:nothing@127.0.0.1:9/none', heartbeatIntervalMs: 300 },
  });
  children.push(child);
  const ids = await addJobs(db.pool, 'cd_ok', {}, 10);
  // One attempt only: a retry ~2.7 s later would be taken by the next test's worker.
  const [failing] = await addJobs(db.pool, 'cd_fail', { message: 'unreachable' }, 1, 1);
  await waitFor('jobs done', async () => (await jobsLeft(db.pool, ids)).length === 0);
  // attempts counts a take: wait for the failure itself, not just the take.
  await waitFor('the failure recorded by graphile-worker', async () => {
    const [job] = await jobsLeft(db.pool, [failing]);
    return job?.attempts === 1 && job.last_error !== null;
  });
  const [row] = await jobsLeft(db.pool, [failing]);
  assert.equal(row.last_error, 'unreachable #1');
  await child.stop();
  assert.equal(child.process.signalCode, 'SIGTERM');
  assert.match(child.stderr(), /ECONNREFUSED|connect/);
});

test('the schema dropped while running: jobs are unaffected and the companion recreates it', async () => {
  const child = await startCompanionWorker({ connectionString: db.connectionString, jobdeck: { heartbeatIntervalMs: 300 } });
  children.push(child);
  const first = await addJobs(db.pool, 'cd_ok', {}, 5);
  await waitFor(
    'first attempts',
    async () => {
      const { rows } = await db.pool.query<{ n: number }>(
        `select count(*)::int as n from jobdeck.attempts where job_id = any($1::bigint[])`,
        [first],
      );
      return rows[0].n === 5;
    },
    90_000,
  );
  await db.pool.query(`drop schema jobdeck cascade`);
  const second = await addJobs(db.pool, 'cd_ok', {}, 10);
  await waitFor('the second jobs completed', async () => (await jobsLeft(db.pool, second)).length === 0);
  await waitFor(
    'the schema recreated and the new attempts written',
    async () => {
      const { rows } = await db.pool.query<{ n: number }>(
        `select count(*)::int as n from jobdeck.attempts where job_id = any($1::bigint[])`,
        [second],
      );
      return rows[0].n > 0;
    },
    90_000,
  );
  const { rows } = await db.pool.query<{ outcome: string; n: number }>(
    `select outcome, count(*)::int as n from jobdeck.attempts where job_id = any($1::bigint[]) group by outcome`,
    [[...first, ...second]],
  );
  assert.deepEqual(
    rows.map((r) => r.outcome),
    ['success'],
  );
  await child.stop();
  assert.equal(child.process.signalCode, 'SIGTERM');
});

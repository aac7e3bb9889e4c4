import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pg from 'pg';
import Database from 'better-sqlite3';
import { STORE_FILE } from '../../src/engine/store/safe-open.ts';
import { withDatabase } from '../helpers/postgres.ts';
import { companionReading, startHistoryScenario } from '../fixtures/companion-kit/history.ts';
import { waitFor } from '../fixtures/companion-kit/child.ts';
import { startChildWorker } from '../fixtures/history-child.ts';

// The reader of the companion's attempts at its edges: workers without the companion beside those with it, two
// workers flushing at once and ids committed out of order, hostile rows, a schema that appears later, and a role
// that may not read it.

const attemptRow = (jobId: number, pool: string) => [jobId, 'cd_manual', 1, 1, 'success', pool];
const INSERT_ATTEMPT = `insert into jobdeck.attempts (job_id, task, attempt, max_attempts, started_at, finished_at, duration_ms, outcome, pool_id)
  values ($1, $2, $3, $4, now(), now(), 1, $5, $6) returning id::text`;

test('a worker without the companion is still watched as before, beside one with it', async (t) => {
  const s = await startHistoryScenario(t);
  const [reporting] = s.workers;
  await companionReading(s.te);
  for (const message of ['Error code: 429 - quota', 'Request timed out', 'Unexpected token < in JSON']) {
    await s.db.pool.query(`select graphile_worker.add_job('ext_fail', $1::json, max_attempts => 1)`, [JSON.stringify({ message })]);
  }
  await s.db.pool.query(`select graphile_worker.add_job('ext_ok', '{}'::json) from generate_series(1, 5)`);
  await s.db.pool.query(`select graphile_worker.add_job('ext_sleep', '{"ms": 4000}'::json)`);
  // The watcher sees the jobs before they run (a job created and finished between two scans is invisible to it).
  await s.te.engine.parts.history.watcher()!.scanNow();
  const plain = await startChildWorker(s.db.connectionString);
  t.after(() => plain.stop());

  const plainPool = await waitFor('the plain worker to hold its slow job', async () => {
    const { rows } = await s.db.pool.query<{ locked_by: string | null }>(
      `select locked_by from graphile_worker.jobs where task_identifier = 'ext_sleep' and locked_at is not null`,
    );
    return rows[0]?.locked_by ?? null;
  });
  // The reporting pool is listed from the companion's workers table, read on the reader's own schedule: both may not
  // show in the same moment.
  const pools = await waitFor('history.status to list both pools', async () => {
    await s.te.engine.parts.history.watcher()!.scanNow();
    const status = await s.te.call('history.status', {});
    const listed = new Set(status.pools.map((p) => p.poolId));
    return listed.has(plainPool) && listed.has(reporting.poolId) ? status.pools : null;
  });
  assert.deepEqual(
    pools.filter((p) => [plainPool, reporting.poolId].includes(p.poolId)).map((p) => [p.poolId, p.account]),
    [
      [reporting.poolId, 'companion'],
      [plainPool, 'watched'],
    ],
  );

  await waitFor('three failures seen by the watcher', async () => (await s.attempts({ task: 'ext_fail' })).length >= 3);
  await waitFor(
    'the six plain jobs gone',
    async () => {
      const { rows } = await s.db.pool.query<{ n: number }>(
        `select count(*)::int as n from graphile_worker.jobs where task_identifier like 'ext_%' and task_identifier <> 'ext_fail'`,
      );
      return rows[0].n === 0;
    },
    60_000,
  );
  await waitFor('their completions counted', async () => {
    await s.settle();
    return (await s.summary('ext_ok')).successes >= 5 && (await s.summary('ext_sleep')).successes >= 1;
  });
  const failures = await s.attempts({ task: 'ext_fail' });
  assert.equal(failures.length, 3);
  assert.ok(failures.every((f) => f.source === 'watch' && f.final && f.durationMs === null));
  assert.equal((await s.summary('ext_ok')).successes, 5, 'each completion counted once');
  assert.equal((await s.summary('ext_sleep')).successes, 1);
  assert.equal((await s.te.call('history.status', {})).companion.state, 'reading');
});

test('two workers flushing at once: N jobs, exactly N attempts; an id committed after a higher one is not lost', async (t) => {
  const s = await startHistoryScenario(t, { workers: 2 });
  await companionReading(s.te);
  const N = 150;
  await s.db.pool.query(`select graphile_worker.add_job('cd_sleep', '{"ms": 10}'::json) from generate_series(1, $1::int)`, [N]);
  await waitFor(`${N} successes`, async () => (await s.summary('cd_sleep')).successes >= N, 60_000);
  await s.settle();
  const { rows: written } = await s.db.pool.query<{ pools: number; n: number }>(
    `select count(distinct pool_id)::int as pools, count(*)::int as n from jobdeck.attempts where task = 'cd_sleep'`,
  );
  assert.deepEqual(written[0], { pools: 2, n: N }, 'both workers wrote attempts');
  const sqlite = s.te.engine.parts.db;
  const recorded = sqlite
    .prepare(`select count(*) as n, count(distinct job_id) as jobs from job_attempts where task = 'cd_sleep' and source = 'companion'`)
    .get() as { n: number; jobs: number };
  assert.deepEqual(recorded, { n: N, jobs: N }, 'every attempt once');
  assert.equal((await s.summary('cd_sleep')).successes, N);

  // Out of order, for certain: a flush that took its id first commits last.
  const late = new pg.Client(s.db.connectionString);
  // The database is dropped (with force) after the test: a client still open then must not crash the run.
  late.on('error', () => {});
  await late.connect();
  t.after(() => late.end().catch(() => {}));
  await late.query('begin');
  const lowId = (await late.query<{ id: string }>(INSERT_ATTEMPT, attemptRow(900_001, 'pool-late'))).rows[0].id;
  const highId = (await s.db.pool.query<{ id: string }>(INSERT_ATTEMPT, attemptRow(900_002, 'pool-early'))).rows[0].id;
  assert.ok(BigInt(highId) > BigInt(lowId));
  const reader = s.te.engine.parts.history.reader()!;
  const jobsRecorded = () =>
    (sqlite.prepare(`select job_id from job_attempts where task = 'cd_manual' order by job_id`).all() as { job_id: number }[]).map(
      (r) => r.job_id,
    );
  await waitFor('the committed row read', async () => {
    await reader.readNow();
    return jobsRecorded().includes(900_002);
  });
  const status = await reader.readNow();
  assert.ok(BigInt(status.cursor!) < BigInt(lowId), `the cursor (${status.cursor}) stays below the row in flight (${lowId})`);
  await late.query('commit');
  await late.end();
  await waitFor('the late row read', async () => {
    await reader.readNow();
    return jobsRecorded().includes(900_001);
  });
  await reader.readNow();
  assert.deepEqual(jobsRecorded(), [900_001, 900_002], 'both rows, once each');
  await waitFor('the cursor past both', async () => BigInt((await reader.readNow()).cursor!) >= BigInt(highId));
});

test('hostile rows are refused with a message, counted, and good rows after them still arrive', async (t) => {
  const s = await startHistoryScenario(t);
  await companionReading(s.te);
  // As if a DBA loosened the table, then someone wrote rows by hand.
  await s.db.pool.query(`alter table jobdeck.attempts drop constraint attempts_outcome_check,
    alter column task drop not null, alter column duration_ms drop not null`);
  const hostile = [
    `(7001, 'h', 1000000000, 3, now(), now(), 5, 'failure', 'boom', 'pool-h')`,
    `(7002, 'h', 1, 3, now(), now(), -5, 'success', null, 'pool-h')`,
    `(7003, 'h', 1, 3, now(), now(), 'NaN', 'success', null, 'pool-h')`,
    `(7004, 'h', 1, 3, now(), now(), 5, 'exploded', null, 'pool-h')`,
    `(7005, 'h', 1, 3, now(), now(), 5, 'failure', repeat('x', 10 * 1024 * 1024), 'pool-h')`,
    `(7006, null, 1, 3, now(), now(), null, 'success', null, 'pool-h')`,
  ];
  const { rows: ids } = await s.db.pool.query<{ id: string }>(
    `insert into jobdeck.attempts (job_id, task, attempt, max_attempts, started_at, finished_at, duration_ms, outcome, error, pool_id)
     values ${hostile.join(', ')} returning id::text`,
  );
  const {
    rows: [good],
  } = await s.db.pool.query<{ id: string }>(`select (graphile_worker.add_job('cd_ok', '{}'::json)).id::text as id`);
  const done = await waitFor('the good job after them', async () => {
    await s.te.engine.parts.history.reader()!.readNow();
    const d = await s.te.call('jobs.get', { id: good.id });
    return d.outcome === 'succeeded' ? d : null;
  });
  assert.equal(done.attemptsSeen.length, 1);
  const status = await s.te.call('history.status', {});
  assert.equal(status.companion.state, 'reading');
  assert.equal(status.companion.rejected, hostile.length);
  const refused = s.logs.filter((l) => l.level === 'warn' && l.message.startsWith('history: refused jobdeck.attempts row'));
  assert.deepEqual(
    refused.map((l) => /row (\d+):/.exec(l.message)?.[1]),
    ids.map((r) => r.id),
    'one message per refused row',
  );
  for (const [i, reason] of [/attempt: /, /duration_ms: /, /duration_ms: /, /outcome: /, /error text beyond/, /task: /].entries())
    assert.match(refused[i].message, reason);
  const { n } = s.te.engine.parts.db.prepare(`select count(*) as n from job_attempts where job_id between 7001 and 7006`).get() as {
    n: number;
  };
  assert.equal(n, 0, 'nothing of them reached the history');
  const last = ids[ids.length - 1].id;
  await waitFor('the cursor past them', async () => BigInt((await s.te.engine.parts.history.reader()!.readNow()).cursor!) >= BigInt(last));
});

test('the companion appearing after the console connected is read without a restart; a role without the privilege is told so', async (t) => {
  const s = await startHistoryScenario(t, { workers: 0 });
  const absent = await waitFor('the first look for the companion', async () => {
    await s.te.engine.parts.history.reader()?.readNow();
    const status = await s.te.call('history.status', {});
    return status.companion.state === 'absent' ? status.companion : null;
  });
  assert.match(absent.message, /No companion in this database yet \(no jobdeck\.attempts\): other workers are only watched/);

  await s.startWorker();
  await companionReading(s.te);
  await s.db.pool.query(`select graphile_worker.add_job('cd_ok', '{}'::json) from generate_series(1, 3)`);
  await waitFor('three successes', async () => (await s.summary('cd_ok')).successes >= 3);

  // A console role that reads graphile-worker's tables but was not granted the companion's.
  const role = s.db.roleName('console');
  await s.db.pool.query(`create role ${role} login bypassrls password 'console-pw';
    grant usage on schema graphile_worker to ${role};
    grant select on all tables in schema graphile_worker to ${role}`);
  const profile = await s.te.call('connections.save', {
    name: 'console role',
    target: { url: withDatabase(s.db.connectionString, s.db.database, { user: role, password: 'console-pw' }) },
    readOnly: true,
    savePassword: false,
  });
  await s.te.call('connections.activate', { id: profile.id });
  const refused = await waitFor('the refusal in history.status', async () => {
    await s.te.engine.parts.history.reader()?.readNow();
    const status = await s.te.call('history.status', {});
    return status.companion.state === 'refused' ? status.companion : null;
  });
  assert.match(refused.message, new RegExp(`Role "${role}" cannot read jobdeck\\.attempts: grant usage on schema jobdeck`));
  assert.equal((await s.te.engine.call('history.summary', { window: '1h' })).ok, true, 'the history still answers');

  await s.db.pool.query(`grant usage on schema jobdeck to ${role}; grant select on all tables in schema jobdeck to ${role}`);
  await companionReading(s.te);
  const summary = await waitFor('the attempts read through the granted role', async () => {
    const sum = await s.summary('cd_ok');
    return sum.successes >= 3 ? sum : null;
  });
  assert.equal(summary.connectionId, profile.id);
  assert.equal(summary.successes, 3);
});

test('ids that start afresh under a stored cursor are read, not skipped: a sequence restarted, a schema created again', async (t) => {
  const s = await startHistoryScenario(t);
  await companionReading(s.te);
  const companionRows = (jobId: string) =>
    (
      s.te.engine.parts.db
        .prepare(`select count(*) as n from job_attempts where job_id = ? and source = 'companion'`)
        .get(Number(jobId)) as { n: number }
    ).n;
  const runOne = async (what: string) => {
    const {
      rows: [job],
    } = await s.db.pool.query<{ id: string }>(`select (graphile_worker.add_job('cd_ok', '{}'::json)).id::text as id`);
    await waitFor(what, async () => {
      await s.te.engine.parts.history.reader()!.readNow();
      return companionRows(job.id) === 1;
    });
  };
  // Enough attempts that the cursor stands well above the ids a restarted sequence hands out next.
  await s.db.pool.query(`select graphile_worker.add_job('cd_ok', '{}'::json) from generate_series(1, 20)`);
  await waitFor('twenty successes', async () => (await s.summary('cd_ok')).successes >= 20);
  await waitFor('the cursor past them', async () => BigInt((await s.te.engine.parts.history.reader()!.readNow()).cursor!) >= 20n);

  // The console closed; meanwhile the table was emptied with its ids restarted. A new console on the same data
  // folder finds its stored cursor above every id there is.
  const te = await s.restartConsole(() => s.db.pool.query('truncate jobdeck.attempts restart identity').then(() => {}));
  await companionReading(te);
  await runOne('an attempt with a restarted id, after a restart of the console');
  assert.ok(
    s.logs.some((l) => l.level === 'warn' && /jobdeck\.attempts ends below the cursor \(id \d+\): its ids started afresh/.test(l.message)),
  );

  // A cluster created again with the same DDL gives the schema the same OID; only its first migration's time
  // differs. Here it ran more attempts than the cursor had read before this console came back to it.
  await s.db.pool.query(`select graphile_worker.add_job('cd_ok', '{}'::json) from generate_series(1, 15)`);
  await waitFor(
    'the cursor past the restarted ids',
    async () => BigInt((await te.engine.parts.history.reader()!.readNow()).cursor!) >= 16n,
  );
  const before = BigInt(te.engine.parts.history.reader()!.status().cursor!);
  let jobIds: string[] = [];
  const again = await s.restartConsole(async () => {
    await s.db.pool.query(`truncate jobdeck.attempts restart identity;
      update jobdeck.migrations set applied_at = applied_at - interval '1 day'`);
    const { rows } = await s.db.pool.query<{ id: string }>(
      `select (graphile_worker.add_job('cd_ok', '{}'::json)).id::text as id from generate_series(1, 25)`,
    );
    jobIds = rows.map((r) => r.id);
    await waitFor('their 25 attempts written', async () => {
      const { rows: n } = await s.db.pool.query<{ n: number }>('select count(*)::int as n from jobdeck.attempts');
      return n[0].n >= 25;
    });
  });
  assert.ok(before >= 16n && before < 25n, `the stored cursor (${before}) is above most of the new ids, below the last`);
  await waitFor('every attempt of the schema created again', async () => {
    await again.engine.parts.history.reader()!.readNow();
    return jobIds.every((id) => companionRows(id) === 1);
  });
  assert.ok(
    s.logs.some(
      (l) =>
        l.level === 'warn' &&
        /the jobdeck schema is not the one the cursor was for \(it or its cluster was created again\)/.test(l.message),
    ),
  );
});

test('a cursor stored before streams were named with their incarnation goes on where it was, nothing read twice', async (t) => {
  const s = await startHistoryScenario(t);
  await companionReading(s.te);
  await s.db.pool.query(`select graphile_worker.add_job('cd_ok', '{}'::json) from generate_series(1, 10)`);
  await waitFor('the cursor past ten attempts', async () => BigInt((await s.te.engine.parts.history.reader()!.readNow()).cursor!) >= 10n);
  const rowsOf = (te: typeof s.te) => (te.engine.parts.db.prepare(`select count(*) as n from job_attempts`).get() as { n: number }).n;
  const read = rowsOf(s.te);
  const cursor = BigInt(s.te.engine.parts.history.reader()!.status().cursor!);
  // As an older Jobdeck stored it: the database and the schema's OID, without the first migration's time (written
  // while no console has the file open).
  const te = await s.restartConsole(() => {
    const file = new Database(path.join(s.te.dataDir, STORE_FILE));
    const { stream } = file.prepare('select stream from companion_cursors').get() as { stream: string };
    file.prepare('update companion_cursors set stream = ?').run(stream.split('\u0000')[0]);
    file.close();
    return Promise.resolve();
  });
  await companionReading(te);
  await s.db.pool.query(`select graphile_worker.add_job('cd_ok', '{}'::json) from generate_series(1, 3)`);
  await waitFor('the three new attempts', async () => {
    await te.engine.parts.history.reader()!.readNow();
    return rowsOf(te) === read + 3;
  });
  assert.ok(BigInt(te.engine.parts.history.reader()!.status().cursor!) >= cursor);
  assert.ok(!s.logs.some((l) => l.level === 'warn' && /not the one the cursor was for|started afresh/.test(l.message)), 'no new stream');
  const { stream } = te.engine.parts.db.prepare('select stream from companion_cursors').get() as { stream: string };
  assert.ok(stream.includes('\u0000'), 'stored again with its incarnation');
});

test('a page of 450 attempts records each once, a refused row among them', async (t) => {
  const s = await startHistoryScenario(t);
  await companionReading(s.te);
  const reader = s.te.engine.parts.history.reader()!;
  const before = reader.status().recorded;
  // 450 attempts read in one page, the 301st with an outcome no worker writes.
  await s.db.pool.query(`alter table jobdeck.attempts drop constraint attempts_outcome_check`);
  const { rows } = await s.db.pool.query<{ id: string }>(
    `insert into jobdeck.attempts (job_id, task, attempt, max_attempts, started_at, finished_at, duration_ms, outcome, pool_id)
     select 8000 + i, 'cd_manual', 1, 1, now(), now(), 1, case when i = 301 then 'exploded' else 'success' end, 'pool-page'
     from generate_series(1, 450) as i order by i returning id::text`,
  );
  const last = BigInt(rows[rows.length - 1].id);
  await waitFor('the cursor past the page', async () => BigInt((await reader.readNow()).cursor!) >= last);
  const written = s.te.engine.parts.db
    .prepare(`select job_id, count(*) as n from job_attempts where job_id between 8001 and 8450 group by job_id`)
    .all() as { job_id: number; n: number }[];
  assert.equal(written.length, 449, 'every good row, the refused one left out');
  assert.ok(!written.some((w) => w.job_id === 8301), 'not the refused row');
  assert.ok(
    written.every((w) => w.n === 1),
    'each once',
  );
  assert.equal(reader.status().recorded - before, 449);
  assert.equal(reader.status().rejected, 1);
});

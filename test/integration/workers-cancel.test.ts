import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Logger, run, type Runner } from 'graphile-worker';
import { startTestEngine, useTestDatabase, type TestEngine } from '../helpers/engine.ts';
import { startCompanionWorker, waitFor, type CompanionChild } from '../fixtures/companion-kit/child.ts';

// The console cancels running jobs of other worker processes through the operation every view uses
// (jobs.cancel): a worker with the companion is asked through jobdeck.cancel_requests + NOTIFY and the job ends
// cancelled, not retried; a worker that does not answer within 10 s is named plainly and the request stays; a
// worker without the companion is refused; a console role without the grant gets a 4xx naming it.

const t = useTestDatabase();
const children: CompanionChild[] = [];
const runners: Runner[] = [];
after(async () => {
  for (const c of children) {
    if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGCONT');
    await c.kill();
  }
  for (const r of runners) await r.stop().catch(() => {});
});

/**
 * A separate worker process with the companion; only one runs at a time (each test's is stopped when the test
 * ends, passed or not), so it takes the jobs the test adds.
 */
async function companionWorker(tc: TestContext): Promise<CompanionChild> {
  const child = await startCompanionWorker({
    connectionString: t.db.connectionString,
    concurrency: 2,
    jobdeck: { heartbeatIntervalMs: 500 },
  });
  children.push(child);
  tc.after(async () => {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGCONT');
    await child.stop();
  });
  await waitFor('the worker reporting', async () => {
    const { rows } = await t.db.pool.query(`select 1 from jobdeck.workers where pool_id = $1`, [child.poolId]);
    return rows.length > 0;
  });
  return child;
}

/** Adds a job and waits until `poolId` runs it. */
async function runningJob(task: string, poolId: string): Promise<string> {
  const {
    rows: [job],
  } = await t.db.pool.query<{ id: string }>(`select id::text as id from graphile_worker.add_job($1, '{}'::json, max_attempts => 5)`, [
    task,
  ]);
  await waitFor(`job ${job.id} running in ${poolId}`, async () => {
    const { rows } = await t.db.pool.query(`select 1 from graphile_worker._private_jobs where id = $1 and locked_by = $2`, [
      job.id,
      poolId,
    ]);
    return rows.length > 0;
  });
  return job.id;
}

const jobRow = async (id: string) =>
  (
    await t.db.pool.query<{ attempts: number; locked_by: string | null }>(
      `select attempts, locked_by from graphile_worker._private_jobs where id = $1`,
      [id],
    )
  ).rows[0];
const requests = async (id: string) =>
  (
    await t.db.pool.query<{ acknowledged_by: string | null; outcome: string | null; requested_by: string }>(
      `select acknowledged_by, outcome, requested_by from jobdeck.cancel_requests where job_id = $1 order by id`,
      [id],
    )
  ).rows;

test('a running job in a worker process with the companion is cancelled from the console: it ends cancelled, not retried', async (tc) => {
  const child = await companionWorker(tc);
  const id = await runningJob('cd_wait_abort', child.poolId);
  const preview = await t.te.call('jobs.preview', { action: 'cancel', target: { ids: [id] } });
  assert.deepEqual([preview.locked, preview.lockedHere, preview.lockedReporting], [1, 0, 1]);
  const detail = await t.te.call('jobs.get', { id });
  assert.equal(detail.holder, 'companion');

  const report = await t.te.call('jobs.cancel', { target: { ids: [id] } });
  assert.deepEqual([report.affected, report.skipped], [1, 0], JSON.stringify(report.skippedByReason));
  assert.equal(await jobRow(id), undefined, 'the job left the queue: nothing is left to retry');
  assert.deepEqual(await requests(id), [{ acknowledged_by: child.poolId, outcome: 'cancelled', requested_by: 'operator' }]);
  const attempts = await waitFor('the attempt recorded by the worker', async () => {
    const { rows } = await t.db.pool.query(`select attempt, outcome, pool_id from jobdeck.attempts where job_id = $1`, [id]);
    return rows.length ? rows : null;
  });
  assert.deepEqual(attempts, [{ attempt: 1, outcome: 'cancelled', pool_id: child.poolId }], 'one attempt, cancelled; no failure, no retry');
  const gone = await waitFor('the console reading the cancelled attempt', async () => {
    const detail = await t.te.call('jobs.get', { id });
    return detail.attemptsSeen.length ? detail : null;
  });
  assert.deepEqual([gone.gone, gone.snapshotState, gone.cancelledBy], [true, 'cancelled', 'operator']);
  assert.deepEqual(
    gone.attemptsSeen.map((a) => [a.attempt, a.outcome, a.source, a.poolId]),
    [[1, 'cancelled', 'companion', child.poolId]],
  );
  assert.match(gone.attemptsSeen[0].error ?? '', /^Cancelled from Jobdeck \(request \d+ in jobdeck\.cancel_requests\)$/, 'its reason');
  // A cancel is not a failed attempt: the Failures view, its rates and the jobs that ended failed leave it out.
  const summary = await t.te.call('history.summary', { window: '1h', task: 'cd_wait_abort' });
  assert.deepEqual([summary.failures, summary.byType, summary.ended?.failed], [0, [], 0]);
  const failed = await t.te.call('history.list', { task: 'cd_wait_abort' });
  assert.deepEqual(failed.rows, []);
  const [audit] = t.te.engine.parts.audit.list({ limit: 1 });
  assert.deepEqual([audit.action, audit.affected, audit.skipped], ['jobs.cancel', 1, 0]);
});

test('a worker that does not answer: "no live worker acknowledged within 10 s", and the request stays until it comes back', async (tc) => {
  const child = await companionWorker(tc);
  const id = await runningJob('cd_wait_abort', child.poolId);
  child.process.kill('SIGSTOP');
  try {
    const report = await t.te.call('jobs.cancel', { target: { ids: [id] } });
    assert.deepEqual([report.affected, report.skipped], [0, 1]);
    assert.match(
      report.skippedByReason[0].reason,
      new RegExp(
        `^no live worker acknowledged within 10 s: its worker \\(${child.poolId}\\) last sent a heartbeat \\d+ s ago\\. The request stays`,
      ),
    );
    assert.deepEqual(await requests(id), [{ acknowledged_by: null, outcome: null, requested_by: 'operator' }]);
    assert.deepEqual(await jobRow(id), { attempts: 1, locked_by: child.poolId }, 'the job is untouched');
  } finally {
    child.process.kill('SIGCONT');
  }
  // Back: it sees the pending request (the notification it missed, or its next heartbeat) and cancels the job.
  await waitFor('the job cancelled once its worker is back', async () => (await requests(id))[0].outcome === 'cancelled');
  assert.deepEqual(await requests(id), [{ acknowledged_by: child.poolId, outcome: 'cancelled', requested_by: 'operator' }]);
  assert.equal(await jobRow(id), undefined);
});

test('a cancel of a job seen running keeps it if it fails for good before its worker sees the request (keepFailed)', async (tc) => {
  const child = await companionWorker(tc);
  const id = await runningJob('cd_wait_abort', child.poolId);
  // The worker cannot see the request; meanwhile the job's last attempt fails (as graphile-worker's fail_jobs leaves it).
  child.process.kill('SIGSTOP');
  tc.after(() => child.kill());
  const answer = t.te.call('jobs.cancel', { target: { ids: [id] }, keepFailed: true });
  await new Promise((r) => setTimeout(r, 500));
  await t.db.pool.query(
    `update graphile_worker._private_jobs set locked_by = null, locked_at = null, attempts = max_attempts, last_error = 'the last attempt failed'
     where id = $1`,
    [id],
  );
  const report = await answer;
  assert.deepEqual([report.affected, report.skipped], [0, 1]);
  assert.match(report.skippedByReason[0].reason, /^it failed for good before the cancel arrived: nothing left to stop, so it was kept/);
  assert.deepEqual(await jobRow(id), { attempts: 5, locked_by: null }, 'kept, permanently failed: it can still be retried');
});

test('a job held by a worker without the companion is refused with the reason, and left alone', async () => {
  const runner = await run({
    connectionString: t.db.connectionString,
    concurrency: 1,
    pollInterval: 100,
    noHandleSignals: true,
    logger: new Logger(() => () => {}),
    taskList: {
      plain_hold: async (_payload, helpers) => {
        await new Promise<void>((resolve) => helpers.abortSignal?.addEventListener('abort', () => resolve(), { once: true }));
      },
    },
  });
  runners.push(runner);
  const {
    rows: [job],
  } = await t.db.pool.query<{ id: string }>(`select id::text as id from graphile_worker.add_job('plain_hold', '{}'::json)`);
  const pool = await waitFor('the plain worker to take it', async () => (await jobRow(job.id))?.locked_by);
  assert.equal((await t.te.call('jobs.get', { id: job.id })).holder, 'watched');

  const report = await t.te.call('jobs.cancel', { target: { ids: [job.id] } });
  assert.deepEqual([report.affected, report.skipped], [0, 1]);
  assert.equal(
    report.skippedByReason[0].reason,
    `running in another process (${pool}) without the Jobdeck companion: a running job cannot be stopped there; cancel it once it ends`,
  );
  assert.deepEqual(await jobRow(job.id), { attempts: 1, locked_by: pool });
  assert.deepEqual(await requests(job.id), [], 'no request is left for a worker that cannot read it');
});

test('a console role without insert on jobdeck.cancel_requests gets a 4xx naming the grant, and nothing changes', async (tc) => {
  const child = await companionWorker(tc);
  const role = t.db.roleName('operator');
  // What a console needs on graphile-worker, and the companion schema's read-only console grants (no insert).
  await t.db.pool.query(`create role ${role} login bypassrls password 'operator-pw';
    grant usage on schema graphile_worker to ${role};
    grant select, update, delete on all tables in schema graphile_worker to ${role};
    grant usage on schema jobdeck to ${role};
    grant select on all tables in schema jobdeck to ${role}`);
  const url = new URL(t.db.connectionString);
  url.username = role;
  url.password = 'operator-pw';
  const te = await startTestEngine({ databaseUrl: url.toString(), runner: false });
  try {
    await refusedThenGranted(te, child, role);
  } finally {
    await te.close();
  }
});

async function refusedThenGranted(te: TestEngine, child: CompanionChild, role: string): Promise<void> {
  const id = await runningJob('cd_wait_abort', child.poolId);

  const result = await te.engine.call('jobs.cancel', { target: { ids: [id] } });
  assert.equal(result.ok, false);
  assert.ok(!result.ok);
  assert.equal(result.error.code, 'read_only', 'a refusal (HTTP 403), not a database error or a 500');
  assert.match(result.error.message, new RegExp(`grant insert on jobdeck\\.cancel_requests to "${role}"`));
  assert.deepEqual(await requests(id), []);
  assert.deepEqual(await jobRow(id), { attempts: 1, locked_by: child.poolId });

  // By filter, the same job is reported as skipped with the same advice: a bulk action may have changed others.
  const bulk = await te.call('jobs.cancel', { target: { filter: { states: ['running'], tasks: ['cd_wait_abort'] } } });
  assert.deepEqual([bulk.affected, bulk.skipped], [0, 1]);
  assert.match(
    bulk.skippedByReason[0].reason,
    /^running in a worker with the Jobdeck companion, but .*grant insert on jobdeck\.cancel_requests/,
  );

  // With the grant, the same console cancels it.
  await t.db.pool.query(`grant insert on jobdeck.cancel_requests to ${role}`);
  const granted = await te.call('jobs.cancel', { target: { ids: [id] } });
  assert.equal(granted.affected, 1, JSON.stringify(granted.skippedByReason));
}

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startCompanionWorker, waitFor, type CompanionChild } from '../fixtures/companion-kit/child.ts';

// Cancel a running job in another process: the console inserts a row into jobdeck.cancel_requests and
// NOTIFYs "jobdeck:cancel"; the companion aborts the job's own signal; the job ends as cancelled, is not
// retried and leaves no failed attempt; the request is acknowledged with its outcome.

let db: TestPostgres;
let list: CompanionChild;
let dir: CompanionChild;

before(async () => {
  db = await startTestPostgres();
  const jobdeck = { heartbeatIntervalMs: 500, cancelTimeoutMs: 1_500 };
  [list, dir] = await Promise.all([
    startCompanionWorker({ connectionString: db.connectionString, jobdeck }),
    startCompanionWorker({ connectionString: db.connectionString, mode: 'dir', jobdeck }),
  ]);
  await waitFor('both pools registered', async () => {
    const { rows } = await db.pool
      .query<{ n: number }>(`select count(*)::int as n from jobdeck.workers`)
      .catch(() => ({ rows: [{ n: 0 }] }));
    return rows[0].n === 2;
  });
});

after(async () => {
  await list?.stop();
  await dir?.stop();
  await db?.close();
});

/** Adds a job and waits until some pool holds it; returns its id and the pool. */
async function runningJob(task: string, payload: unknown, maxAttempts = 5): Promise<{ id: string; lockedBy: string }> {
  const {
    rows: [job],
  } = await db.pool.query<{ id: string }>(`select id from graphile_worker.add_job($1, $2::json, max_attempts => $3)`, [
    task,
    JSON.stringify(payload),
    maxAttempts,
  ]);
  const lockedBy = await waitFor(`job ${job.id} running`, async () => {
    const { rows } = await db.pool.query<{ locked_by: string }>(
      `select locked_by from graphile_worker.jobs where id = $1 and locked_at is not null`,
      [job.id],
    );
    return rows[0]?.locked_by;
  });
  return { id: job.id, lockedBy };
}

async function requestCancel(jobId: string, notify: boolean): Promise<string> {
  const {
    rows: [req],
  } = await db.pool.query<{ id: string }>(
    `insert into jobdeck.cancel_requests (job_id, requested_by) values ($1, 'test') returning id::text`,
    [jobId],
  );
  if (notify) await db.pool.query(`select pg_notify('jobdeck:cancel', $1)`, [jobId]);
  return req.id;
}

interface CancelRow {
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  outcome: string | null;
  not_honoured_at: Date | null;
}

async function jobGone(jobId: string): Promise<boolean> {
  const { rows } = await db.pool.query(`select 1 from graphile_worker.jobs where id = $1`, [jobId]);
  return rows.length === 0;
}

/**
 * Runs `meanwhile` while the request's acknowledgement is held back (its row locked by another session), with the
 * notification sent: as a worker that is slow to answer sees it. The lock is released whatever happens. Returns
 * false, without running `meanwhile`, when the worker's heartbeat saw the request and acknowledged it before the
 * lock was taken (the insert and the lock are two statements: on a loaded machine a heartbeat can fall between).
 */
async function withAcknowledgementHeld(requestId: string, jobId: string, meanwhile: () => Promise<unknown>): Promise<boolean> {
  const holder = await db.pool.connect();
  try {
    await holder.query('begin');
    const { rows } = await holder.query<{ acknowledged: boolean }>(
      'select acknowledged_at is not null as acknowledged from jobdeck.cancel_requests where id = $1 for update',
      [requestId],
    );
    if (rows[0]?.acknowledged) return false;
    await db.pool.query(`select pg_notify('jobdeck:cancel', $1)`, [jobId]);
    await meanwhile();
    return true;
  } finally {
    // A failed check must not leave the row locked for the next tests.
    await holder.query('rollback');
    holder.release();
  }
}

async function assertCancelled(jobId: string, requestId: string, lockedBy: string): Promise<void> {
  await waitFor(`job ${jobId} gone`, () => jobGone(jobId));
  const settled = await waitFor('the cancelled attempt recorded', async () => {
    const { rows } = await db.pool.query(`select attempt, outcome, pool_id from jobdeck.attempts where job_id = $1`, [jobId]);
    return rows.length ? rows : null;
  });
  assert.deepEqual(settled, [{ attempt: 1, outcome: 'cancelled', pool_id: lockedBy }], 'one attempt, cancelled, no failure');
  // Resolved: how the job ended. 'not_honoured' is only on the way there (a job that ran on past the timeout); the
  // companion writes the attempt before the request's outcome, so the attempt can be seen a moment earlier.
  const request = await waitFor('the request resolved', async () => {
    const { rows } = await db.pool.query<CancelRow>(
      `select * from jobdeck.cancel_requests where id = $1 and outcome is not null and outcome <> 'not_honoured'`,
      [requestId],
    );
    return rows[0];
  });
  assert.equal(request.acknowledged_by, lockedBy);
  assert.ok(request.acknowledged_at instanceof Date);
  assert.equal(request.outcome, 'cancelled');
}

test('cancel through a row plus NOTIFY aborts helpers.abortSignal; the job is done, not retried, not failed', async () => {
  const { id, lockedBy } = await runningJob('cd_wait_abort', {});
  const requestId = await requestCancel(id, true);
  await assertCancelled(id, requestId, lockedBy);
  // The worker's own log says it was cancelled, right after graphile-worker's line that it completed.
  const worker = [list, dir].find((w) => w.poolId === lockedBy);
  assert.ok(worker, `job ${id} was run by one of the two workers (${lockedBy})`);
  const lines = worker.stderr().split('\n');
  const completed = lines.findIndex((l) => l.includes(`Completed task ${id} (cd_wait_abort`));
  assert.ok(completed >= 0, `graphile-worker's line for job ${id}:\n${worker.stderr()}`);
  assert.match(
    lines.slice(completed + 1).join('\n'),
    new RegExp(`\\[jobdeck\\] job ${id} \\(cd_wait_abort\\) was cancelled from Jobdeck \\(request ${requestId}\\): recorded as cancelled`),
  );
});

test('the request is acknowledged before the job is aborted, so the console never sees it gone unacknowledged', async () => {
  // Otherwise graphile-worker's completion (its own connection) can commit before the acknowledgement, and the console
  // reports "it ended before its worker saw the cancel" for a job that was cancelled (seen under load). Here the
  // acknowledgement is held back by a lock on the request's row: the job must still run until it can be written.
  for (let tries = 1; ; tries++) {
    const { id, lockedBy } = await runningJob('cd_wait_abort', {});
    const requestId = await requestCancel(id, false);
    const held = await withAcknowledgementHeld(requestId, id, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      assert.equal(await jobGone(id), false, 'not aborted while its acknowledgement waits');
    });
    await assertCancelled(id, requestId, lockedBy);
    if (held) return;
    // A heartbeat acknowledged it before the lock: the case was not set up; set it up again with another job.
    assert.ok(tries < 3, 'the acknowledgement could be held back in one of three tries');
  }
});

test('a missed notification: the request is still seen at the next heartbeat', async () => {
  const { id, lockedBy } = await runningJob('cd_wait_abort', {});
  const requestId = await requestCancel(id, false);
  await assertCancelled(id, requestId, lockedBy);
});

test('a cancel that reaches an attempt which failed on its own first holds for the retry: cancelled as it starts', async () => {
  // Its worker acknowledges the request only after the attempt failed (the acknowledgement is held back by a lock,
  // as a frozen process or a timeout firing first would): graphile-worker retries the job, and the request must
  // not be closed as 'failed', or the retry runs on as if no one had asked. Only the task list's pool knows the task.
  for (let tries = 1; ; tries++) {
    const { id, lockedBy } = await runningJob('cd_fail_then_wait', { ms: 1_000 });
    const requestId = await requestCancel(id, false);
    const held = await withAcknowledgementHeld(requestId, id, () =>
      waitFor('the first attempt to fail on its own', async () => {
        const { rows } = await db.pool.query(
          `select 1 from graphile_worker.jobs where id = $1 and attempts = 1 and locked_at is null and last_error is not null`,
          [id],
        );
        return rows.length > 0;
      }),
    );
    if (held) return await cancelledAsRetryStarts(id, requestId, lockedBy);
    // A heartbeat acknowledged it before the lock (a loaded machine): the case was not set up; set it up again with
    // another job once this one has ended.
    assert.ok(tries < 3, 'the acknowledgement could be held back in one of three tries');
    await waitFor(`job ${id} gone`, () => jobGone(id), 20_000);
  }
});

/** The job whose first attempt failed before its worker acknowledged the cancel: its retry is the one cancelled. */
async function cancelledAsRetryStarts(id: string, requestId: string, lockedBy: string): Promise<void> {
  await waitFor(`job ${id} gone`, () => jobGone(id), 20_000);
  const attempts = await waitFor('both attempts recorded', async () => {
    const { rows } = await db.pool.query(`select attempt, outcome, pool_id from jobdeck.attempts where job_id = $1 order by attempt`, [id]);
    return rows.length === 2 ? rows : null;
  });
  assert.deepEqual(attempts, [
    { attempt: 1, outcome: 'failure', pool_id: lockedBy },
    { attempt: 2, outcome: 'cancelled', pool_id: lockedBy },
  ]);
  const request = await waitFor('the request resolved', async () => {
    const { rows } = await db.pool.query<CancelRow>(`select * from jobdeck.cancel_requests where id = $1 and outcome is not null`, [
      requestId,
    ]);
    return rows[0];
  });
  assert.equal(request.outcome, 'cancelled', 'answered by the attempt it stopped');
  assert.equal(request.acknowledged_by, lockedBy);
}

test('a task may read the signal through jobAbortSignal() (AsyncLocalStorage) instead of its helpers', async () => {
  const { id, lockedBy } = await runningJob('cd_wait_abort', { als: true });
  const requestId = await requestCancel(id, true);
  await assertCancelled(id, requestId, lockedBy);
});

test('both task lists and task directories obey cancel', async () => {
  // Two pools of 4 slots each: six running jobs cannot all be in one pool, whichever takes them.
  const jobs = [];
  for (let i = 0; i < 6; i++) jobs.push(await runningJob('cd_wait_abort', {}));
  const pools = new Set(jobs.map((j) => j.lockedBy));
  assert.deepEqual([...pools].sort(), [list.poolId, dir.poolId].sort(), 'jobs running in both pools');
  const requests = [];
  for (const j of jobs) requests.push(await requestCancel(j.id, true));
  for (const [i, j] of jobs.entries()) await assertCancelled(j.id, requests[i], j.lockedBy);
});

test('a task that ignores its signal runs on; the request is marked not honoured, then cancelled when it ends', async () => {
  const { id, lockedBy } = await runningJob('cd_ignore_abort', { ms: 4_000 });
  const requestId = await requestCancel(id, true);
  const notHonoured = await waitFor('not honoured after cancelTimeoutMs', async () => {
    const { rows } = await db.pool.query<CancelRow>(`select * from jobdeck.cancel_requests where id = $1`, [requestId]);
    return rows[0]?.outcome === 'not_honoured' ? rows[0] : null;
  });
  assert.equal(notHonoured.acknowledged_by, lockedBy);
  assert.equal(await jobGone(id), false, 'still running');
  await assertCancelled(id, requestId, lockedBy);
  const { rows } = await db.pool.query<CancelRow>(`select * from jobdeck.cancel_requests where id = $1`, [requestId]);
  assert.ok(rows[0].not_honoured_at instanceof Date, 'the late end keeps the not-honoured time');
});

test('a request made before the operator retried the job was for the run before: the retry runs to its end', async () => {
  // Both jobs wait while their cancel is asked for (as a job held by a worker that died does), then run; cd_sleep
  // ignores its signal, so a cancel that reached it would record the attempt as cancelled.
  const add = async (runAt: string) =>
    (
      await db.pool.query<{ id: string }>(
        `select id from graphile_worker.add_job('cd_sleep', '{"ms": 2000}'::json, run_at => now() + $1::interval, max_attempts => 1)`,
        [runAt],
      )
    ).rows[0].id;
  const retried = await add('1 hour');
  const kept = await add('2 seconds');
  const retriedRequest = await requestCancel(retried, true);
  const keptRequest = await requestCancel(kept, true);
  // The operator retries the first one now: Jobdeck's retry is graphile-worker's reschedule_jobs.
  await db.pool.query(`select graphile_worker.reschedule_jobs(array[$1::bigint], run_at := now())`, [retried]);
  const outcome = async (jobId: string) =>
    waitFor(`job ${jobId}'s attempt`, async () => {
      const { rows } = await db.pool.query(`select attempt, outcome from jobdeck.attempts where job_id = $1`, [jobId]);
      return rows.length ? rows : null;
    });
  assert.deepEqual(await outcome(retried), [{ attempt: 1, outcome: 'success' }], 'the retried run was not cancelled');
  const { rows } = await db.pool.query(`select acknowledged_at, outcome from jobdeck.cancel_requests where id = $1`, [retriedRequest]);
  assert.deepEqual(rows, [{ acknowledged_at: null, outcome: null }], 'the request made before the retry was not applied');
  // The one nobody retried meanwhile still gets its cancel when it runs.
  assert.deepEqual(await outcome(kept), [{ attempt: 1, outcome: 'cancelled' }]);
  await waitFor('the kept request answered', async () => {
    const { rows: r } = await db.pool.query<CancelRow>(`select * from jobdeck.cancel_requests where id = $1 and outcome = 'cancelled'`, [
      keptRequest,
    ]);
    return r[0];
  });
});

test('a request for a job another pool runs, or no job at all, is left alone', async () => {
  const requestId = await requestCancel('999999', true);
  // Give both pools a heartbeat to look at it.
  const { rows: hb } = await db.pool.query<{ t: Date }>(`select max(last_heartbeat_at) as t from jobdeck.workers`);
  await waitFor('two more heartbeats', async () => {
    const { rows } = await db.pool.query<{ ok: boolean }>(
      `select min(last_heartbeat_at) > $1 as ok from jobdeck.workers where stopped_at is null`,
      [hb[0].t],
    );
    return rows[0].ok;
  });
  const { rows } = await db.pool.query(`select acknowledged_at, outcome from jobdeck.cancel_requests where id = $1`, [requestId]);
  assert.deepEqual(rows, [{ acknowledged_at: null, outcome: null }]);
});

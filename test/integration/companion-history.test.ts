import { test } from 'node:test';
import assert from 'node:assert/strict';
import { companionReading, startHistoryScenario } from '../fixtures/companion-kit/history.ts';
import { waitFor } from '../fixtures/companion-kit/child.ts';

// The console reads every attempt the companion records in separate worker processes (jobdeck.attempts) into its
// history: what the watcher alone loses (failures between two scans, jobs created and finished between them, the
// end of a job retried in bulk) is there, exactly once, with durations and the worker that ran it.

test('a job failing three times within a second: three attempts in the history, each with its own error', async (t) => {
  const s = await startHistoryScenario(t);
  const [worker] = s.workers;
  await companionReading(s.te);
  const {
    rows: [job],
  } = await s.db.pool.query<{ id: string }>(
    `select id::text from graphile_worker.add_job('cd_fail', '{"message": "boom"}'::json, max_attempts => 3, job_key => 'thrice')`,
  );
  // graphile-worker waits ~2.7 s then ~7.4 s before retries: bring each retry forward as soon as the job is free,
  // so the three failures come well within the watcher's scans (graphile-worker keeps only the last error).
  await waitFor(
    'three failures',
    async () => {
      const { rows } = await s.db.pool.query<{ attempts: number; locked: boolean }>(
        `with r as (
           select graphile_worker.reschedule_jobs(array[id], run_at => now()) from graphile_worker.jobs
           where id = $1 and locked_at is null and attempts < max_attempts and run_at > now())
         select attempts, locked_at is not null as locked from graphile_worker.jobs where id = $1`,
        [job.id],
      );
      return rows[0]?.attempts === 3 && !rows[0].locked;
    },
    60_000,
    20,
  );
  // The watcher may see the last failure before the worker's account of it is flushed (every 250 ms) and read: its
  // guess stands until then, and the account replaces it.
  await waitFor('three attempts in the history, by the worker', async () => {
    const seen = await s.attempts({ search: job.id });
    return seen.length >= 3 && seen.every((r) => r.source === 'companion');
  });
  await s.settle();
  const rows = (await s.attempts({ search: job.id })).sort((a, b) => a.attempt - b.attempt);
  assert.deepEqual(
    rows.map((r) => [r.attempt, r.error, r.source, r.final, r.maxAttempts]),
    [
      [1, 'boom #1', 'companion', false, 3],
      [2, 'boom #2', 'companion', false, 3],
      [3, 'boom #3', 'companion', true, 3],
    ],
    'every error kept, each once, by the worker’s own account',
  );
  assert.ok(rows.every((r) => r.poolId === worker.poolId && r.durationMs !== null && r.jobId === Number(job.id)));
  const summary = await s.summary('cd_fail');
  assert.equal(summary.failures, 3);
  const detail = await s.te.call('jobs.get', { id: job.id });
  assert.equal(detail.gone, false, 'graphile-worker keeps the permanently failed job');
  assert.deepEqual(
    detail.attemptsSeen.map((a) => [a.attempt, a.outcome, a.error]),
    [
      [1, 'failed', 'boom #1'],
      [2, 'failed', 'boom #2'],
      [3, 'failed', 'boom #3'],
    ],
  );
});

test('twenty quick jobs of a separate worker are all counted as successes, with their durations', async (t) => {
  const s = await startHistoryScenario(t);
  await companionReading(s.te);
  await s.db.pool.query(`select graphile_worker.add_job('cd_sleep', '{"ms": 15}'::json) from generate_series(1, 20)`);
  await waitFor('twenty successes', async () => (await s.summary('cd_sleep')).successes >= 20);
  await s.settle();
  const summary = await s.summary('cd_sleep');
  assert.equal(summary.successes, 20, 'each job counted once, whoever saw it');
  assert.equal(summary.failures, 0);
  assert.equal(summary.durations.count, 20, 'every run timed');
  assert.ok(summary.durations.avgMs! >= 15 && summary.durations.p95Ms! >= 15, JSON.stringify(summary.durations));
  const { n } = s.te.engine.parts.db
    .prepare(`select count(*) as n from job_attempts where task = 'cd_sleep' and outcome = 'success'`)
    .get() as {
    n: number;
  };
  assert.equal(n, 20);
});

test('jobs retried in bulk from the console that then succeed are counted as successes, none as removed', async (t) => {
  const s = await startHistoryScenario(t);
  await companionReading(s.te);
  await s.setSwitch('bulk', false);
  const { rows: jobs } = await s.db.pool.query<{ id: string }>(
    `select (graphile_worker.add_job('cd_switch', '{"name": "bulk"}'::json, max_attempts => 1)).id::text as id from generate_series(1, 6)`,
  );
  await waitFor('six permanently failed jobs', async () => {
    const { rows } = await s.db.pool.query<{ n: number }>(
      `select count(*)::int as n from graphile_worker.jobs where task_identifier = 'cd_switch' and attempts >= max_attempts and locked_at is null`,
    );
    return rows[0].n === 6;
  });
  // The watcher knows them as permanently failed: their disappearance alone would read as "removed".
  await s.te.engine.parts.history.watcher()!.scanNow();
  await s.setSwitch('bulk', true);
  const retried = await s.te.call('jobs.retry', { target: { filter: { tasks: ['cd_switch'] } } });
  assert.equal(retried.affected, 6);
  await waitFor('the retried jobs to succeed and leave', async () => {
    const { rows } = await s.db.pool.query<{ n: number }>(
      `select count(*)::int as n from graphile_worker.jobs where task_identifier = 'cd_switch'`,
    );
    return rows[0].n === 0;
  });
  await waitFor('six successes', async () => (await s.summary('cd_switch')).successes >= 6);
  await s.settle();
  const summary = await s.summary('cd_switch');
  assert.deepEqual([summary.successes, summary.failures], [6, 6]);
  const { n: removed } = s.te.engine.parts.db.prepare(`select count(*) as n from watch_vanished where settled = 'removed'`).get() as {
    n: number;
  };
  assert.equal(removed, 0, 'no retried job taken as removed');
  for (const { id } of jobs) {
    const detail = await s.te.call('jobs.get', { id });
    assert.deepEqual(
      [detail.gone, detail.state, detail.outcome, detail.attemptsSeen.map((a) => [a.attempt, a.outcome])],
      [
        true,
        null,
        'succeeded',
        [
          [1, 'failed'],
          [1, 'succeeded'],
        ],
      ],
      `job ${id}`,
    );
    // Its page says when it ended (its last attempt's end), not that time as when it was due or created.
    assert.equal(detail.endedAt, detail.attemptsSeen.at(-1)!.at);
    assert.notEqual(detail.createdAt, detail.endedAt);
  }
});

test('jobs.get of a finished job: its outcome, duration, worker and attempts; succeeded after a failure is succeeded', async (t) => {
  const s = await startHistoryScenario(t);
  const [worker] = s.workers;
  await companionReading(s.te);
  const {
    rows: [{ host }],
  } = await s.db.pool.query<{ host: string }>('select host from jobdeck.workers where pool_id = $1', [worker.poolId]);

  const {
    rows: [quick],
  } = await s.db.pool.query<{ id: string }>(`select (graphile_worker.add_job('cd_sleep', '{"ms": 40}'::json)).id::text as id`);
  const done = await waitFor('the job finished, as the companion tells', async () => {
    const d = await s.te.call('jobs.get', { id: quick.id });
    return d.gone && d.outcome ? d : null;
  });
  assert.equal(done.snapshotState, 'succeeded');
  assert.equal(done.state, null);
  assert.deepEqual(done.worker, { poolId: worker.poolId, host, source: 'companion' });
  assert.ok(done.durationMs !== null && done.durationMs >= 40, `duration ${done.durationMs}`);
  assert.deepEqual(
    done.attemptsSeen.map((a) => [a.attempt, a.outcome, a.poolId, a.host, a.source, a.error]),
    [[1, 'succeeded', worker.poolId, host, 'companion', null]],
  );
  assert.equal(done.attemptsSeen[0].durationMs, done.durationMs);

  // Fails its first attempt, then succeeds on the retry (brought forward, attempts kept): succeeded, both attempts.
  await s.setSwitch('second', false);
  const {
    rows: [flaky],
  } = await s.db.pool.query<{ id: string }>(
    `select (graphile_worker.add_job('cd_switch', '{"name": "second"}'::json, max_attempts => 2)).id::text as id`,
  );
  await waitFor('the first attempt to fail', async () => {
    const { rows } = await s.db.pool.query<{ attempts: number; locked: boolean }>(
      'select attempts, locked_at is not null as locked from graphile_worker.jobs where id = $1',
      [flaky.id],
    );
    return rows[0]?.attempts === 1 && !rows[0].locked;
  });
  await s.setSwitch('second', true);
  await s.db.pool.query('select graphile_worker.reschedule_jobs(array[$1::bigint], run_at => now())', [flaky.id]);
  const after = await waitFor('the retry to succeed, as the companion tells', async () => {
    const d = await s.te.call('jobs.get', { id: flaky.id });
    return d.gone && d.attemptsSeen.length >= 2 ? d : null;
  });
  assert.deepEqual([after.outcome, after.snapshotState, after.state], ['succeeded', 'succeeded', null], 'never reported as failed');
  assert.deepEqual(
    after.attemptsSeen.map((a) => [a.attempt, a.outcome, a.error]),
    [
      [1, 'failed', 'switch second is off'],
      [2, 'succeeded', null],
    ],
  );
  assert.ok(after.attemptsSeen.every((a) => a.durationMs !== null && a.poolId === worker.poolId));
  assert.equal(after.worker?.poolId, worker.poolId);
});

import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueryResultRow } from 'pg';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { startCompanionWorker, waitFor } from '../fixtures/companion-kit/child.ts';

let db: TestPostgres;
let te: TestEngine;
const q = <R extends QueryResultRow>(sql: string, params: unknown[] = []) => db.pool.query<R>(sql, params).then((r) => r.rows);

before(async () => {
  db = await startTestPostgres();
  te = await startTestEngine({ databaseUrl: db.connectionString, runner: false });
});
after(async () => {
  await te?.close();
  await db?.close();
});
// Each test starts from an empty queue: it runs alone and in any order.
beforeEach(async () => {
  await q(`delete from graphile_worker._private_jobs`);
  await q(`update graphile_worker._private_job_queues set locked_at = null, locked_by = null`);
});

/** Leaves locks as a worker of another process would, then as if that process had died. */
async function lockAs(pool: string, key: string, ago: string, queue?: string) {
  await q(
    `update graphile_worker._private_jobs set locked_by = $1, locked_at = now() - $2::interval, attempts = attempts + 1 where key = $3`,
    [pool, ago, key],
  );
  if (queue)
    await q(`update graphile_worker._private_job_queues set locked_by = $1, locked_at = now() - $2::interval where queue_name = $3`, [
      pool,
      ago,
      queue,
    ]);
}

test('a queue left locked by a dead pool: detected with the jobs behind it, unlocked in one call, audited', async () => {
  await q(`select graphile_worker.add_job('summarize', '{}'::json, queue_name => 'student-7', job_key => 'held')`);
  await q(`select graphile_worker.add_job('summarize', '{}'::json, queue_name => 'student-7') from generate_series(1, 3)`);
  await lockAs('pool-dead0001', 'held', '30 minutes', 'student-7');

  const report = await te.call('stuck.get', {});
  const pool = report.pools.find((p) => p.poolId === 'pool-dead0001');
  assert.ok(pool, 'the pool is listed');
  assert.equal(pool.ours, false);
  assert.equal(pool.liveness, 'probably-gone', 'judged from lock age: 30 min > the 15 min default');
  assert.match(pool.reason, /^Judged from lock age/);
  assert.deepEqual([pool.lockedJobs, pool.lockedQueues], [1, 1]);
  const stuck = report.stuckJobs.filter((j) => j.lockedBy === 'pool-dead0001');
  assert.equal(stuck.length, 1);
  assert.ok(stuck[0].lockedForMs >= 29 * 60_000);
  const blocked = report.blockedQueues.find((b) => b.queue === 'student-7');
  assert.ok(blocked, 'the queue is shown as blocked');
  assert.equal(blocked.waiting, 3);
  assert.equal(blocked.sample.length, 3);
  // The three jobs behind the lock are the queue's business, not "no worker": they are not double-reported.
  assert.equal(
    report.due.find((d) => d.task === 'summarize'),
    undefined,
  );

  const unlocked = await te.call('stuck.unlock', { poolIds: ['pool-dead0001'] });
  assert.deepEqual([unlocked.jobsUnlocked, unlocked.queuesUnlocked, unlocked.jobsRequeued, unlocked.refused.length], [1, 1, 1, 0]);
  const [row] = await q<{ jobs: number; queues: number }>(`select count(*) filter (where locked_at is not null)::int as jobs,
    (select count(*)::int from graphile_worker._private_job_queues where locked_at is not null) as queues from graphile_worker._private_jobs`);
  assert.deepEqual(row, { jobs: 0, queues: 0 });
  const after = await te.call('stuck.get', {});
  assert.equal(after.blockedQueues.length, 0);
  assert.equal(after.stuckJobs.length, 0);
  const audit = te.engine.parts.audit.list({ limit: 5 }).find((a) => a.action === 'stuck.unlock');
  assert.ok(audit);
  assert.deepEqual([audit.requested, audit.affected, audit.skipped], [1, 1, 0]);
  await q(`delete from graphile_worker._private_jobs`);
});

test('a queue row locked with no job in flight (the pool died between the two) is blocked too', async () => {
  await q(`select graphile_worker.add_job('summarize', '{}'::json, queue_name => 'orphan') from generate_series(1, 2)`);
  await q(
    `update graphile_worker._private_job_queues set locked_by = 'pool-dead0002', locked_at = now() - interval '20 minutes' where queue_name = 'orphan'`,
  );
  const report = await te.call('stuck.get', {});
  assert.deepEqual(
    report.blockedQueues.map((b) => [b.queue, b.waiting]),
    [['orphan', 2]],
  );
  const unlocked = await te.call('stuck.unlock', { poolIds: ['pool-dead0002'] });
  assert.deepEqual([unlocked.jobsUnlocked, unlocked.queuesUnlocked], [0, 1]);
  assert.equal((await te.call('stuck.get', {})).blockedQueues.length, 0);
  await q(`delete from graphile_worker._private_jobs`);
});

test('a task with no worker: detected as such, cancelled from the stuck view', async () => {
  await q(`select graphile_worker.add_job('translate', '{}'::json, run_at => now() - interval '5 minutes') from generate_series(1, 4)`);
  // A task that workers do take, with a recent due job: neither overdue nor unserved.
  await q(`select graphile_worker.add_job('enrich', '{}'::json, job_key => 'e-run')`);
  await q(`select graphile_worker.add_job('enrich', '{}'::json)`);
  await lockAs('pool-live0003', 'e-run', '10 seconds');

  const report = await te.call('stuck.get', {});
  assert.deepEqual(
    report.due.map((d) => [d.task, d.verdict, d.due, d.running]),
    [['translate', 'no-worker', 4, 0]],
  );
  assert.ok(report.due[0].waitingMs >= 4 * 60_000);
  assert.equal(report.due[0].hostedSupports, null, 'no hosted runner here');
  assert.equal(report.pools.find((p) => p.poolId === 'pool-live0003')?.liveness, 'probably-alive');
  assert.equal(report.stuckJobs.length, 0, 'a job locked 10 s ago is not stuck');

  const cancelled = await te.call('stuck.cancel', { target: { kind: 'due', task: 'translate' } });
  assert.equal(cancelled.unlock, null);
  assert.deepEqual([cancelled.requested, cancelled.affected], [4, 4]);
  const left = await q<{ n: number }>(`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'translate'`);
  assert.equal(left[0].n, 0);
  assert.equal((await te.call('stuck.get', {})).due.length, 0);
  assert.ok(te.engine.parts.audit.list({ limit: 5 }).some((a) => a.action === 'stuck.cancel' && a.affected === 4));
});

test('a group action acts on the count the view showed at most: jobs that joined the group since are left and reported', async () => {
  await q(`select graphile_worker.add_job('translate', '{}'::json, run_at => now() - interval '5 minutes') from generate_series(1, 4)`);
  const shown = (await te.call('stuck.get', {})).due.find((d) => d.task === 'translate');
  assert.equal(shown?.due, 4);
  // Two more arrive while the operator reads the view.
  await q(`select graphile_worker.add_job('translate', '{}'::json, run_at => now() - interval '1 minute') from generate_series(1, 2)`);
  const cancelled = await te.call('stuck.cancel', { target: { kind: 'due', task: 'translate', atMost: shown.due } });
  assert.deepEqual([cancelled.affected, cancelled.skipped], [4, 2]);
  assert.deepEqual(
    cancelled.skippedByReason.map((r) => [r.reason, r.count]),
    [['matched after the count you confirmed: left as it is', 2]],
  );
  // The oldest four (the ones shown) went; the newest two are still queued.
  const left = await q<{ id: string }>(`select id::text as id from graphile_worker.jobs where task_identifier = 'translate' order by id`);
  assert.deepEqual(
    left.map((r) => r.id),
    cancelled.skippedByReason[0].sampleIds,
  );
  const entry = te.engine.parts.audit.list({ limit: 5 }).find((a) => a.action === 'stuck.cancel');
  assert.deepEqual(entry?.target, { kind: 'due', task: 'translate', atMost: 4 });

  // A failed group: the same cap, after the error type is judged.
  await q(`delete from graphile_worker._private_jobs`);
  await q(`select graphile_worker.add_job('summarize', '{}'::json, max_attempts => 1, job_key => 'rl-' || i) from generate_series(1, 5) i`);
  await q(
    `update graphile_worker._private_jobs set attempts = 1, last_error = 'Error code: 429 - rate limit reached' where key like 'rl-%'`,
  );
  const retried = await te.call('stuck.retry', { target: { kind: 'failed', task: 'summarize', errorType: 'rate_limit', atMost: 3 } });
  assert.deepEqual([retried.affected, retried.skipped], [3, 2]);
  const attempts = await q<{ key: string; attempts: number }>(`select key, attempts from graphile_worker.jobs order by id`);
  assert.deepEqual(
    attempts.map((r) => [r.key, r.attempts]),
    [
      ['rl-1', 0],
      ['rl-2', 0],
      ['rl-3', 0],
      ['rl-4', 1],
      ['rl-5', 1],
    ],
  );
});

test('a job left locked by a dead pool does not count as running: the jobs due behind it still say "no worker"', async () => {
  await q(`select graphile_worker.add_job('translate', '{}'::json, run_at => now() - interval '5 minutes') from generate_series(1, 4)`);
  await q(`select graphile_worker.add_job('translate', '{}'::json, job_key => 't-held')`);
  await lockAs('pool-dead0004', 't-held', '30 minutes');

  const report = await te.call('stuck.get', {});
  assert.equal(report.pools.find((p) => p.poolId === 'pool-dead0004')?.liveness, 'probably-gone');
  assert.deepEqual(
    report.stuckJobs.map((j) => j.lockedBy),
    ['pool-dead0004'],
  );
  assert.deepEqual(
    report.due.map((d) => [d.task, d.verdict, d.due, d.running]),
    [['translate', 'no-worker', 4, 0]],
  );
});

test('per-task thresholds, refusal of a pool that looks alive, and unlock-and-retry of a job out of attempts', async () => {
  // enrich's job is locked 3 minutes ago by a pool that looks alive: stuck only once its threshold is lower.
  await q(`select graphile_worker.add_job('enrich', '{}'::json, job_key => 'e-run')`);
  await lockAs('pool-live0003', 'e-run', '3 minutes');
  assert.equal((await te.call('stuck.get', {})).stuckJobs.length, 0);
  const thresholds = await te.call('stuck.setThreshold', { task: 'enrich', minutes: 2 });
  assert.deepEqual(thresholds, { defaultMinutes: 15, byTask: { enrich: 2 } });
  const report = await te.call('stuck.get', {});
  assert.deepEqual(
    report.stuckJobs.map((j) => [j.task, j.thresholdMs]),
    [['enrich', 120_000]],
  );

  const refused = await te.call('stuck.retry', { target: { kind: 'pool', poolId: 'pool-live0003' } });
  assert.equal(refused.unlock?.refused.length, 1, 'a pool that took a lock recently is not unlocked without force');
  assert.equal(refused.affected, 0);
  assert.equal(refused.skipped, 1);

  // Its only try was used up: after the unlock it would be permanently failed; retry gives it its attempts back.
  await q(`update graphile_worker._private_jobs set max_attempts = 1 where key = 'e-run'`);
  const retried = await te.call('stuck.retry', { target: { kind: 'pool', poolId: 'pool-live0003' }, force: true });
  assert.deepEqual([retried.unlock?.jobsUnlocked, retried.unlock?.jobsExhausted], [1, 1]);
  assert.deepEqual([retried.requested, retried.affected], [1, 1]);
  const [job] = await q<{ attempts: number; locked_at: Date | null; due: boolean }>(
    `select attempts, locked_at, run_at <= now() as due from graphile_worker.jobs where key = 'e-run'`,
  );
  assert.deepEqual(job, { attempts: 0, locked_at: null, due: true });

  await assert.rejects(te.call('stuck.setThreshold', { task: null, minutes: null }), /cannot be removed/);
  // A task no worker registered (a typo): refused, nothing stored; removing a threshold needs no such check.
  await assert.rejects(te.call('stuck.setThreshold', { task: 'enrihc', minutes: 5 }), /graphile-worker knows no task "enrihc"/);
  assert.deepEqual((await te.call('stuck.get', {})).thresholds.byTask, { enrich: 2 });
  await te.call('stuck.setThreshold', { task: 'enrihc', minutes: null });
  await assert.rejects(te.call('stuck.unlock', { poolIds: ["pool'; drop table x"] }), /not a pool id/);
  await te.call('stuck.setThreshold', { task: 'enrich', minutes: null });
});

test('permanently failed jobs are grouped by task and error type, and a group is retried at a time', async () => {
  await q(`delete from graphile_worker._private_jobs`);
  await q(`select graphile_worker.add_job('summarize', '{}'::json, max_attempts => 1, job_key => 'rl-' || i) from generate_series(1, 3) i`);
  await q(
    `select graphile_worker.add_job('summarize', '{}'::json, max_attempts => 1, job_key => 'ctx-' || i) from generate_series(1, 2) i`,
  );
  // As graphile-worker's fail_job leaves them: run_at pushed past now by the backoff (exp(1) s), updated_at untouched
  // (here an hour old: added long before they failed).
  await q(
    `update graphile_worker._private_jobs set attempts = 1, last_error = 'Error code: 429 - rate limit reached for requests ' || key,
       run_at = now() + exp(1) * interval '1 second', updated_at = now() - interval '1 hour', created_at = now() - interval '1 hour'
     where key like 'rl-%'`,
  );
  await q(
    `update graphile_worker._private_jobs set attempts = 1, last_error = 'This model''s maximum context length is 8192 tokens' || repeat('x', 100000) where key like 'ctx-%'`,
  );
  const report = await te.call('stuck.get', {});
  assert.deepEqual(
    report.failed.map((f) => [f.task, f.errorType, f.count]),
    [
      ['summarize', 'rate_limit', 3],
      ['summarize', 'context_length', 2],
    ],
  );
  assert.ok(
    report.failed.every((f) => f.sampleError.length <= 300),
    'messages are bounded',
  );
  // When they failed, not when they were last changed by an admin action (a review saw "4 min ago" for a failure of now).
  const lastFailed = Date.parse(report.failed.find((f) => f.errorType === 'rate_limit')!.lastFailedAt);
  assert.ok(Math.abs(Date.now() - lastFailed) < 10_000, `failed just now, not an hour ago: ${new Date(lastFailed).toISOString()}`);

  const at = new Date(Date.now() + 3_600_000).toISOString();
  const retried = await te.call('stuck.retry', { target: { kind: 'failed', task: 'summarize', errorType: 'rate_limit' }, runAt: at });
  assert.deepEqual([retried.requested, retried.affected], [3, 3]);
  const rows = await q<{ key: string; attempts: number; run_at: Date }>(
    `select key, attempts, run_at from graphile_worker.jobs where key like 'rl-%'`,
  );
  assert.ok(rows.every((r) => r.attempts === 0 && Math.abs(r.run_at.getTime() - Date.parse(at)) < 1000));
  assert.deepEqual(
    (await te.call('stuck.get', {})).failed.map((f) => f.errorType),
    ['context_length'],
  );
});

test('due jobs of a task a live reporting worker runs are not "no worker", even when none of them runs now', async (t) => {
  // One slot, taken by a job that runs until aborted: the worker is alive and lists cd_ok, but is busy.
  const worker = await startCompanionWorker({ connectionString: db.connectionString, concurrency: 1 });
  t.after(() => worker.kill());
  const [{ id: busy }] = await q<{ id: string }>(`select (graphile_worker.add_job('cd_wait_abort', '{}'::json)).id::text as id`);
  await waitFor('the worker to hold its job', async () => {
    const [row] = await q<{ locked_by: string | null }>(`select locked_by from graphile_worker._private_jobs where id = $1`, [busy]);
    return row?.locked_by === worker.poolId;
  });
  await waitFor(
    'its first heartbeat',
    async () => (await q(`select 1 from jobdeck.workers where pool_id = $1`, [worker.poolId])).length === 1,
  );
  await q(`select graphile_worker.add_job('cd_ok', '{}'::json, run_at => now() - interval '5 minutes') from generate_series(1, 4)`);
  await q(`select graphile_worker.add_job('nw_nobody', '{}'::json, run_at => now() - interval '5 minutes') from generate_series(1, 2)`);

  const report = await te.call('stuck.get', {});
  assert.deepEqual(
    report.due.map((d) => [d.task, d.verdict, d.due, d.running]),
    [['nw_nobody', 'no-worker', 2, 0]],
    'cd_ok waits for a busy live worker that runs it (overdue only after 10 minutes); nw_nobody has no worker at all',
  );
});

test('a retry or cancel that names nothing changes nothing: a pool holding no job is a 404, an empty group is not audited', async () => {
  const auditCount = () => te.engine.parts.audit.list({ limit: 1000 }).length;
  const before = auditCount();
  for (const name of ['stuck.retry', 'stuck.cancel'] as const) {
    const result = await te.engine.call(name, { target: { kind: 'pool', poolId: 'pool-nope' } });
    assert.equal(result.ok, false, `${name} of a pool holding nothing must fail`);
    const { error } = result as { ok: false; error: { code: string; message: string } };
    assert.equal(error.code, 'not_found');
    assert.match(error.message, /holds no job/);
  }
  const empty = await te.call('stuck.retry', { target: { kind: 'due', task: 'no_such_task' } });
  assert.deepEqual([empty.requested, empty.affected, empty.auditId], [0, 0, 0]);
  assert.equal(auditCount(), before, 'no audit entry for what touched nothing');
  // An id asked for is recorded even when it was skipped: someone asked for it.
  const missing = await te.call('jobs.cancel', { target: { ids: ['987654321'] } });
  assert.deepEqual([missing.requested, missing.affected, missing.skipped], [1, 0, 1]);
  assert.ok(missing.auditId > 0);
  assert.equal(auditCount(), before + 1);
});

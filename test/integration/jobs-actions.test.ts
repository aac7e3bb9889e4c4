import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDatabase } from '../helpers/engine.ts';
import { addJobs, makeFailed } from './jobs-fixtures.ts';
import type { JobdeckEvent } from '../../src/shared/contract/index.ts';
import { BEYOND_CONFIRMED } from '../../src/engine/jobs/bulk.ts';

const t = useTestDatabase();

/** A job's row as `job()` selects it (bigint id as text, timestamptz as Date). */
interface JobRow {
  id: string;
  attempts: number;
  max_attempts: number;
  run_at: Date;
  priority: number;
  last_error: string | null;
  locked_by: string | null;
}

const job = async (id: string) =>
  (
    await t.db.pool.query<JobRow>(
      `select id::text, attempts, max_attempts, run_at, priority, last_error, locked_by from graphile_worker._private_jobs where id = $1`,
      [id],
    )
  ).rows[0];

/** Locks jobs as a worker of another process would (attempts counts the try in progress). */
const lockAs = (ids: string[], pool: string, since = 'now()') =>
  t.db.pool.query(
    `update graphile_worker._private_jobs set locked_by = $2, locked_at = ${since}, attempts = attempts + 1 where id = any($1::bigint[])`,
    [ids, pool],
  );

test('retry resets attempts to 0 and runs now; a job locked by a worker is skipped and reported', async () => {
  const ids = await addJobs(t.db.pool, 'alpha', 3, { maxAttempts: 3 });
  await makeFailed(t.db.pool, ids);
  await lockAs([ids[2]], 'pool-elsewhere');
  const asked = Date.now();
  const report = await t.te.call('jobs.retry', { target: { ids } });
  const answered = Date.now();
  assert.equal(report.requested, 3);
  assert.equal(report.affected, 2);
  assert.equal(report.skipped, 1);
  assert.equal(report.skippedByReason.length, 1);
  assert.match(report.skippedByReason[0].reason, /pool-elsewhere/);
  assert.deepEqual(report.skippedByReason[0].sampleIds, [ids[2]]);
  for (const id of ids.slice(0, 2)) {
    const row = await job(id);
    assert.equal(row.attempts, 0);
    const runAt = new Date(row.run_at).getTime();
    assert.ok(runAt >= asked && runAt <= answered, 'run_at is now: the time of the retry');
  }
  const locked = await job(ids[2]);
  assert.equal(locked.attempts, 4, 'the locked job is untouched');
  const [entry] = await t.te.call('audit.list', { limit: 1 });
  assert.equal(entry.action, 'jobs.retry');
  assert.deepEqual([entry.requested, entry.affected, entry.skipped], [3, 2, 1]);
  assert.equal(entry.id, report.auditId);
});

test('retry at a chosen time sets run_at; change priority; mark permanently failed', async () => {
  const ids = await addJobs(t.db.pool, 'beta', 2, { maxAttempts: 5 });
  await makeFailed(t.db.pool, ids);
  const at = new Date(Date.now() + 3_600_000).toISOString();
  await t.te.call('jobs.retry', { target: { ids: [ids[0]] }, runAt: at });
  const retried = await job(ids[0]);
  assert.equal(retried.attempts, 0);
  assert.equal(new Date(retried.run_at).toISOString(), at);

  const prio = await t.te.call('jobs.setPriority', { target: { ids }, priority: -5 });
  assert.equal(prio.affected, 2);
  assert.deepEqual([(await job(ids[0])).priority, (await job(ids[1])).priority], [-5, -5]);

  const fail = await t.te.call('jobs.fail', { target: { ids: [ids[0]] }, message: 'Gave up: provider retired the model' });
  assert.equal(fail.affected, 1);
  const failed = await job(ids[0]);
  assert.equal(failed.attempts, failed.max_attempts);
  assert.equal(failed.last_error, 'Gave up: provider retired the model');
});

test('cancel removes an idle job and keeps it as cancelled; a job running in a process without the companion is refused', async () => {
  const [idle, running] = await addJobs(t.db.pool, 'gamma', 2, { payload: { eventId: 7 } });
  await lockAs([running], 'pool-other-host');
  const asked = Date.now();
  const report = await t.te.call('jobs.cancel', { target: { ids: [idle, running] } });
  const answered = Date.now();
  assert.equal(report.affected, 1);
  assert.equal(report.skipped, 1);
  assert.match(
    report.skippedByReason[0].reason,
    /without the Jobdeck companion: a running job cannot be stopped there; cancel it once it ends/,
  );
  assert.equal(await job(idle), undefined, 'the idle job left the queue');
  assert.ok(await job(running), 'the running job is untouched');
  const detail = await t.te.call('jobs.get', { id: idle });
  assert.equal(detail.gone, true);
  assert.equal(detail.snapshotState, 'cancelled');
  assert.equal(detail.cancelledBy, 'operator');
  assert.ok(
    detail.cancelledAt && Date.parse(detail.cancelledAt) >= asked && Date.parse(detail.cancelledAt) <= answered,
    'cancelled at the time of the call',
  );
  // What it was asked to do stays readable (and can be queued again), though graphile-worker deleted it.
  assert.deepEqual([JSON.parse(detail.payload ?? 'null'), detail.payloadTruncated], [{ eventId: 7 }, false]);
  assert.equal(detail.endedAt, detail.cancelledAt);
});

test('a cancel of a job seen running (keepFailed) keeps one that failed for good meanwhile, and says why', async () => {
  // The Workers view's Cancel: the operator saw these running; since, one failed for good and one waits to retry.
  const [failed, retrying, running] = await addJobs(t.db.pool, 'delta', 3, { maxAttempts: 3 });
  await makeFailed(t.db.pool, [failed]);
  await t.db.pool.query(
    `update graphile_worker._private_jobs set attempts = 1, last_error = 'timeout', run_at = now() + interval '1 minute' where id = $1`,
    [retrying],
  );
  await lockAs([running], 'pool-other-host');
  const before = await job(failed);
  const report = await t.te.call('jobs.cancel', { target: { ids: [failed, retrying, running] }, keepFailed: true });
  assert.deepEqual([report.affected, report.skipped], [1, 2]);
  const kept = report.skippedByReason.find((r) => r.sampleIds.includes(failed));
  assert.match(kept?.reason ?? '', /^it failed for good before the cancel arrived: nothing left to stop, so it was kept/);
  assert.deepEqual(await job(failed), before, 'the failed job is left as it was: it can still be retried');
  // "Stop it, and it does not run again": the one waiting to retry is removed, kept as cancelled.
  assert.equal(await job(retrying), undefined);
  assert.equal((await t.te.call('jobs.get', { id: retrying })).snapshotState, 'cancelled');
  // Still running in a process without the companion: refused, as without keepFailed.
  assert.ok(report.skippedByReason.some((r) => r.sampleIds.includes(running) && /without the Jobdeck companion/.test(r.reason)));
  const [entry] = await t.te.call('audit.list', { limit: 1 });
  assert.equal(entry.action, 'jobs.cancel');
  assert.deepEqual((entry.detail as { params: unknown }).params, { keepFailed: true });
  // The same job cancelled from the Jobs view (no keepFailed) is removed, kept as cancelled.
  const removed = await t.te.call('jobs.cancel', { target: { ids: [failed] } });
  assert.equal(removed.affected, 1);
  assert.equal(await job(failed), undefined);
});

test('keepFailed judges failed for good as the console does: a job on its last attempt with a lock over 4 h old is not kept', async () => {
  // graphile-worker counts an attempt as it takes the job: on its last one, attempts = max_attempts while it runs.
  const [stale] = await addJobs(t.db.pool, 'epsilon', 1, { maxAttempts: 1 });
  await lockAs([stale], 'pool-long-gone', "now() - interval '5 hours'");
  assert.equal((await job(stale)).attempts, 1);
  const report = await t.te.call('jobs.cancel', { target: { ids: [stale] }, keepFailed: true });
  assert.deepEqual([report.affected, report.skipped], [1, 0], JSON.stringify(report.skippedByReason));
  assert.equal(await job(stale), undefined, 'cancelled: it had not failed, it was held by a pool long gone');
});

test('a cancelled job keeps the beginning of a payload too large to keep whole, marked so', async () => {
  const [big] = await addJobs(t.db.pool, 'gamma', 1, { payload: { text: 'x'.repeat(40_000) } });
  const report = await t.te.call('jobs.cancel', { target: { ids: [big] } });
  assert.equal(report.affected, 1);
  const detail = await t.te.call('jobs.get', { id: big });
  assert.equal(detail.payloadTruncated, true);
  assert.equal(detail.payload?.length, 16_384);
  assert.ok(detail.payload?.startsWith('{"text": "xxx') || detail.payload?.startsWith('{"text":"xxx'), detail.payload?.slice(0, 20));
});

test('unlock releases jobs of a pool that is gone, never a job that is not locked', async () => {
  const ids = await addJobs(t.db.pool, 'delta', 3);
  await lockAs(ids.slice(0, 2), 'pool-dead', "now() - interval '2 hours'");
  const report = await t.te.call('jobs.unlock', { target: { ids: [ids[0], ids[2]] } });
  // The whole pool is released: both of its jobs, though only one was selected.
  assert.equal(report.affected, 2);
  assert.equal(report.skipped, 1);
  assert.match(report.skippedByReason[0].reason, /not locked/);
  for (const id of ids) assert.equal((await job(id)).locked_by, null);
});

test('bad input is refused with a clear error and changes nothing', async () => {
  const [id] = await addJobs(t.db.pool, 'epsilon', 1);
  const before = await job(id);
  for (const input of [
    { target: { ids: ['12abc'] } },
    { target: { ids: [] } },
    { target: { ids: [id] }, runAt: 'tomorrow' },
    { target: { filter: { states: ['exploded'] } } },
    { target: { ids: [id] }, extra: 1 },
  ]) {
    const result = await t.te.engine.call('jobs.retry', input);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.error.code, 'invalid_input');
  }
  const zero = await t.te.engine.call('stuck.retry', { target: { kind: 'jobs', ids: ['0'] } });
  assert.equal(!zero.ok && zero.error.code, 'invalid_input');
  assert.match(!zero.ok ? zero.error.message : '', /a job id is a positive integer/);
  // Past the bigint range: the contract's 400, not Postgres' out-of-range error (a 502).
  for (const op of ['stuck.retry', 'stuck.cancel'] as const) {
    const huge = await t.te.engine.call(op, { target: { kind: 'jobs', ids: ['9999999999999999999'] } });
    assert.equal(!huge.ok && huge.error.code, 'invalid_input', op);
    assert.match(!huge.ok ? huge.error.message : '', /at most 9223372036854775807/);
  }
  // A paced release that would reach the time paused jobs are parked at (the last of 3 at 9999-01-01T00:01).
  const [second, third] = await addJobs(t.db.pool, 'epsilon', 2);
  const paced = await t.te.engine.call('jobs.retry', {
    target: { ids: [id, second, third] },
    runAt: '9998-12-31T23:59:00Z',
    pace: { perMinute: 1 },
  });
  assert.equal(!paced.ok && paced.error.code, 'invalid_input');
  assert.match(!paced.ok ? paced.error.message : '', /Nothing was changed: .*the last of 3 jobs would run at or after 9999-01-01/);
  assert.deepEqual(await job(id), before);
  // The same release capped at the one job confirmed (a transient-only retry) is judged by what it would release.
  const capped = await addJobs(t.db.pool, 'epsilon_capped', 3);
  await makeFailed(t.db.pool, capped);
  const one = await t.te.call('jobs.retry', {
    target: { filter: { tasks: ['epsilon_capped'] }, atMost: 1 },
    transientOnly: true,
    runAt: '9998-12-31T23:59:00Z',
    pace: { perMinute: 1 },
  });
  assert.deepEqual([one.affected, one.skipped], [1, 2]);
  const runAts = (await Promise.all(capped.map(job))).map((j) => j.run_at.toISOString()).sort();
  assert.equal(runAts.filter((at) => at === '9998-12-31T23:59:00.000Z').length, 1, 'one job released at the start of the pace');
});

test('the Stuck view acts through the same bulk path: exact counts, skipped ids by reason, its own audit entries', async () => {
  const ids = await addJobs(t.db.pool, 'zeta', 3);
  await makeFailed(t.db.pool, ids);
  await lockAs([ids[1]], 'pool-busy');
  const report = await t.te.call('stuck.retry', { target: { kind: 'jobs', ids: [...ids, '999999999'] } });
  assert.equal(report.requested, 4);
  assert.equal(report.affected, 2);
  assert.deepEqual([...report.affectedSample].sort(), [ids[0], ids[2]].sort());
  assert.deepEqual(report.skippedByReason.flatMap((r) => r.sampleIds).sort(), [ids[1], '999999999'].sort());
  assert.match(report.skippedByReason.find((r) => r.sampleIds.includes('999999999'))!.reason, /not found/);
  assert.equal(report.unlock?.refused.length, 1, 'a pool that took a lock just now is not unlocked without force');
  const cancel = await t.te.call('stuck.cancel', { target: { kind: 'jobs', ids: [ids[0]] } });
  assert.deepEqual(cancel.affectedSample, [ids[0]]);
  const entries = await t.te.call('audit.list', { limit: 3 });
  assert.deepEqual(
    entries.map((e) => e.action),
    ['stuck.cancel', 'stuck.retry', 'stuck.unlock'],
  );
  assert.deepEqual(entries[1].target, { kind: 'jobs', ids: [...ids, '999999999'], count: 4 });
});

test('bulk retry by filter: 20,000 failed jobs in chunks, with progress events and one audit entry', async () => {
  const ids = await addJobs(t.db.pool, 'bulk_task', 20_000, { maxAttempts: 2 });
  await makeFailed(t.db.pool, ids);
  // A failed job of another task must not be touched.
  const [other] = await addJobs(t.db.pool, 'other_task', 1, { maxAttempts: 2 });
  await makeFailed(t.db.pool, [other]);
  const events: Extract<JobdeckEvent, { type: 'action.progress' }>[] = [];
  const unsubscribe = t.te.engine.subscribe((e) => e.type === 'action.progress' && e.actionId === 'bulk-1' && events.push(e));
  const filter = { states: ['failed'], tasks: ['bulk_task'] };
  const preview = await t.te.call('jobs.preview', { action: 'retry', target: { filter } });
  assert.equal(preview.matching, 20_000);
  const report = await t.te.call('jobs.retry', { target: { filter }, actionId: 'bulk-1' });
  unsubscribe();
  assert.equal(report.affected, 20_000);
  assert.equal(report.skipped, 0);
  assert.ok(events.length >= 5, `${events.length} progress events`);
  assert.deepEqual(
    events.map((e) => e.done),
    [...events.map((e) => e.done)].sort((a, b) => a - b),
  );
  assert.equal(events.at(-1)!.done, 20_000);
  const { rows } = await t.db.pool.query(
    `select count(*) filter (where attempts = 0)::int as retried, count(*)::int as total from graphile_worker._private_jobs where id = any($1::bigint[])`,
    [ids],
  );
  assert.deepEqual(rows[0], { retried: 20_000, total: 20_000 });
  assert.equal((await job(other)).attempts, 2, 'a job outside the filter is untouched');
  const [entry] = await t.te.call('audit.list', { limit: 1 });
  assert.deepEqual(entry.target, { filter });
  assert.equal(entry.affected, 20_000);
});

test('cancel and mark failed by filter: every matching job, kept in history, audited with the filter', async () => {
  const doomed = await addJobs(t.db.pool, 'obsolete_task', 30, { runAt: new Date(Date.now() + 600_000).toISOString() });
  const keep = await addJobs(t.db.pool, 'obsolete_task', 5);
  const filter = { tasks: ['obsolete_task'], states: ['scheduled'] };
  const report = await t.te.call('jobs.cancel', { target: { filter } });
  assert.deepEqual([report.requested, report.affected, report.skipped], [30, 30, 0]);
  const { rows } = await t.db.pool.query<{ id: string }>(
    'select id::text from graphile_worker._private_jobs where id = any($1::bigint[]) order by id',
    [[...doomed, ...keep]],
  );
  assert.deepEqual(
    rows.map((r) => r.id),
    keep,
    'only the scheduled ones left the queue',
  );
  const snapshots = t.te.engine.parts.db
    .prepare(
      `select count(*) as n from job_snapshots where state = 'cancelled' and cancelled_by = 'operator' and job_id in (${doomed.map(() => '?').join(',')})`,
    )
    .get(...doomed.map(Number)) as { n: number };
  assert.equal(snapshots.n, 30);

  const failed = await t.te.call('jobs.fail', { target: { filter: { tasks: ['obsolete_task'] } }, message: 'Task retired' });
  assert.equal(failed.affected, 5);
  const after = await t.db.pool.query<{ n: number }>(
    `select count(*)::int as n from graphile_worker._private_jobs where id = any($1::bigint[]) and attempts = max_attempts and last_error = 'Task retired'`,
    [keep],
  );
  assert.equal(after.rows[0].n, 5);
  const [entry] = await t.te.call('audit.list', { limit: 1 });
  assert.deepEqual([entry.action, entry.target, entry.affected], ['jobs.fail', { filter: { tasks: ['obsolete_task'] } }, 5]);
});

test('an action by filter never changes more jobs than the operator confirmed: more matching by then is a 409, nothing changed', async () => {
  const runAt = new Date(Date.now() + 600_000).toISOString();
  const first = await addJobs(t.db.pool, 'confirmed_task', 6, { runAt });
  const filter = { tasks: ['confirmed_task'], states: ['scheduled' as const] };
  const preview = await t.te.call('jobs.preview', { action: 'fail', target: { filter } });
  assert.equal(preview.matching, 6, 'the count the dialog shows');
  // Two more come to match between that count and the click.
  const later = await addJobs(t.db.pool, 'confirmed_task', 2, { runAt });
  const all = [...first, ...later];
  const unchanged = async () =>
    (
      await t.db.pool.query<{ n: number }>(
        'select count(*)::int as n from graphile_worker._private_jobs where id = any($1::bigint[]) and attempts < max_attempts',
        [all],
      )
    ).rows[0].n;

  const [lastBefore] = await t.te.call('audit.list', { limit: 1 });
  const refused = await t.te.engine.call('jobs.fail', { target: { filter, atMost: preview.matching }, message: 'Retired' });
  assert.equal(!refused.ok && refused.error.code, 'conflict');
  assert.match(!refused.ok ? refused.error.message : '', /8 jobs match now, more than the 6 you confirmed: nothing was changed/);
  assert.equal(await unchanged(), 8, 'no job was marked failed');
  const [lastAfter] = await t.te.call('audit.list', { limit: 1 });
  assert.equal(lastAfter?.id, lastBefore?.id, 'a refused action writes no audit entry of a change');

  const done = await t.te.call('jobs.fail', { target: { filter, atMost: 8 }, message: 'Retired' });
  assert.deepEqual([done.requested, done.affected], [8, 8]);
  assert.equal(await unchanged(), 0);
  const [audited] = await t.te.call('audit.list', { limit: 1 });
  assert.deepEqual(audited.target, { filter, atMost: 8 });
});

test('a transient-only retry by filter acts on no more jobs than confirmed: the rest are reported, left as they are', async () => {
  const ids = await addJobs(t.db.pool, 'capped_task', 6, { maxAttempts: 3 });
  await makeFailed(t.db.pool, ids);
  const filter = { tasks: ['capped_task'], states: ['failed' as const] };
  // The dialog had counted 4 to retry; 6 are worth a retry by now (its count is only known chunk by chunk).
  const report = await t.te.call('jobs.retry', { target: { filter, atMost: 4 }, transientOnly: true });
  assert.deepEqual([report.affected, report.skipped], [4, 2]);
  assert.deepEqual(
    report.skippedByReason.map((r) => [r.reason, r.count]),
    [[BEYOND_CONFIRMED, 2]],
  );
  const { rows } = await t.db.pool.query<{ n: number }>(
    'select count(*)::int as n from graphile_worker._private_jobs where id = any($1::bigint[]) and attempts = 0',
    [ids],
  );
  assert.equal(rows[0].n, 4, 'four retried, two left failed');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDatabase } from '../helpers/engine.ts';
import { startCompanionWorker, waitFor } from '../fixtures/companion-kit/child.ts';
import { noWorkerRuns } from '../../src/shared/model/jobs.ts';

const t = useTestDatabase();

interface Row {
  id: string;
  task_identifier: string;
  payload: unknown;
  queue_name: string | null;
  priority: number;
  max_attempts: number;
  run_at: Date;
  key: string | null;
}

const jobRow = async (id: string) =>
  (
    await t.db.pool.query<Row>(
      `select j.id::text, j.task_identifier, p.payload, j.queue_name, j.priority, j.max_attempts, j.run_at, j.key
         from graphile_worker.jobs j join graphile_worker._private_jobs p using (id) where j.id = $1`,
      [id],
    )
  ).rows[0];
const jobCount = async () => (await t.db.pool.query<{ n: number }>('select count(*)::int as n from graphile_worker.jobs')).rows[0].n;

test('jobs.add queues one job through add_job with every option, answers its id, and is audited', async () => {
  const runAt = new Date(Date.now() + 3_600_000).toISOString();
  const added = await t.te.call('jobs.add', {
    task: 'generate_insight',
    payload: { eventId: 42, tags: ['a', 'b'], nested: { ok: true } },
    queue: 'insights',
    priority: 5,
    runAt,
    maxAttempts: 7,
    jobKey: 'insight:42',
  });
  const row = await jobRow(added.jobId);
  assert.equal(row.task_identifier, 'generate_insight');
  assert.deepEqual(row.payload, { eventId: 42, tags: ['a', 'b'], nested: { ok: true } });
  assert.equal(row.queue_name, 'insights');
  assert.equal(row.priority, 5);
  assert.equal(row.max_attempts, 7);
  assert.equal(row.run_at.toISOString(), runAt);
  assert.equal(row.key, 'insight:42');
  assert.deepEqual(
    { task: added.task, queue: added.queue, priority: added.priority, maxAttempts: added.maxAttempts, key: added.jobKey },
    { task: 'generate_insight', queue: 'insights', priority: 5, maxAttempts: 7, key: 'insight:42' },
  );
  assert.equal(added.keyExisted, false);
  const [entry] = await t.te.call('audit.list', { limit: 1 });
  assert.equal(entry.action, 'jobs.add');
  assert.deepEqual(entry.target, { task: 'generate_insight', jobId: added.jobId, jobKey: 'insight:42' });
  // The explorer finds it at once.
  const detail = await t.te.call('jobs.get', { id: added.jobId });
  assert.equal(detail.task, 'generate_insight');
});

test('the same job key again updates the waiting job instead of adding one (replace, preserve_run_at)', async () => {
  const first = await t.te.call('jobs.add', { task: 'enrich_record', payload: { v: 1 }, jobKey: 'enrich:7' });
  const before = await jobCount();
  const replaced = await t.te.call('jobs.add', { task: 'enrich_record', payload: { v: 2 }, jobKey: 'enrich:7', jobKeyMode: 'replace' });
  assert.equal(replaced.jobId, first.jobId);
  assert.equal(replaced.keyExisted, true);
  assert.deepEqual((await jobRow(first.jobId)).payload, { v: 2 });
  const later = new Date(Date.now() + 86_400_000).toISOString();
  const kept = await t.te.call('jobs.add', {
    task: 'enrich_record',
    payload: { v: 3 },
    jobKey: 'enrich:7',
    jobKeyMode: 'preserve_run_at',
    runAt: later,
  });
  assert.equal(kept.jobId, first.jobId);
  assert.notEqual((await jobRow(first.jobId)).run_at.toISOString(), later, 'preserve_run_at keeps the run time');
  assert.equal(await jobCount(), before, 'no job added');
});

test('bad input is refused with a clear 4xx error and queues nothing', async () => {
  const before = await jobCount();
  const auditBefore = (await t.te.call('audit.list', { limit: 1 }))[0]?.id ?? 0;
  const bad: [unknown, RegExp][] = [
    [{ payload: {} }, /task/],
    [{ task: '' }, /task/],
    [{ task: 'x'.repeat(129) }, /task/],
    [{ task: 'x', payload: { big: 'y'.repeat(300 * 1024) } }, /256 KiB/],
    [{ task: 'x', maxAttempts: 0 }, /maxAttempts/],
    [{ task: 'x', priority: 40_000 }, /priority/],
    [{ task: 'x', runAt: 'tomorrow' }, /runAt/],
    [{ task: 'x', runAt: '9999-06-01T00:00:00Z' }, /a run time must be before 9999-01-01 \(where paused jobs are parked\)/],
    [{ task: 'x', runAt: '9999-12-31T23:59:59-14:00' }, /a year from 0001 to 9999 \(in UTC\)/],
    [{ task: '  ' }, /must not be blank/],
    [{ task: 'x', jobKeyMode: 'replace' }, /jobKeyMode needs a jobKey/],
    [{ task: 'x', jobKey: 'k', jobKeyMode: 'sometimes' }, /jobKeyMode/],
    [{ task: 'x', extra: 1 }, /extra/],
  ];
  for (const [input, message] of bad) {
    const result = await t.te.engine.call('jobs.add', input);
    assert.equal(result.ok, false, JSON.stringify(input).slice(0, 80));
    if (result.ok) continue;
    assert.equal(result.error.code, 'invalid_input');
    assert.match(`${result.error.message} ${JSON.stringify(result.error.details ?? '')}`, message);
  }
  assert.equal(await jobCount(), before, 'nothing queued');
  assert.equal((await t.te.call('audit.list', { limit: 1 }))[0]?.id ?? 0, auditBefore, 'nothing audited');
});

test('jobs.addBatch queues one job per key in one call, deduplicated by job key, and is audited', async () => {
  // A job for item 2 is waiting already (its key taken): it is left as it was, not replaced.
  const waiting = await t.te.call('jobs.add', { task: 'summarize', payload: { documentId: 2, note: 'first' }, jobKey: 'summarize:2' });
  const result = await t.te.call('jobs.addBatch', {
    task: 'summarize',
    payload: { model: 'gpt-4o-mini' },
    keyField: 'documentId',
    keys: ['1', '2', '3', '1', 'doc-x'],
    queue: 'summaries',
    maxAttempts: 4,
  });
  assert.deepEqual([result.requested, result.added, result.duplicates, result.alreadyQueued], [4, 3, 1, ['2']]);
  const rows = await Promise.all(result.jobIds.map(jobRow));
  assert.deepEqual(
    rows.map((r) => [r.payload, r.key, r.queue_name, r.max_attempts]),
    [
      [{ model: 'gpt-4o-mini', documentId: 1 }, 'summarize:1', 'summaries', 4],
      [{ model: 'gpt-4o-mini', documentId: 3 }, 'summarize:3', 'summaries', 4],
      [{ model: 'gpt-4o-mini', documentId: 'doc-x' }, 'summarize:doc-x', 'summaries', 4],
    ],
  );
  assert.deepEqual((await jobRow(waiting.jobId)).payload, { documentId: 2, note: 'first' }, 'the waiting job untouched');
  const audit = (await t.te.call('audit.list', { limit: 1 }))[0];
  assert.equal(audit.action, 'jobs.addBatch');
  assert.deepEqual([audit.requested, audit.affected, audit.skipped], [4, 3, 1]);

  // The same batch again adds nothing.
  const again = await t.te.call('jobs.addBatch', { task: 'summarize', keyField: 'documentId', keys: ['1', '3'] });
  assert.deepEqual([again.added, again.alreadyQueued], [0, ['1', '3']]);
});

test('job keys are filled in literally: $ patterns and braces in keys and task names are only text', async () => {
  // String.replace would read $& (the match), $` (before it) and $' (after it) in a key; a task holding {key} would
  // have it filled as well. Two keys that were made one by that (a 502 from Postgres) stay two.
  const keys = ['p$`q', '50$&more', "z$'w", '$&', '{key}', '$$'];
  const result = await t.te.call('jobs.addBatch', { task: 'lit{key}$&', keyField: 'id', keys, jobKey: '{task}/{key}' });
  assert.equal(result.added, keys.length);
  const rows = await Promise.all(result.jobIds.map(jobRow));
  assert.deepEqual(
    rows.map((r) => r.key),
    keys.map((k) => `lit{key}$&/${k}`),
  );
  assert.deepEqual(
    rows.map((r) => (r.payload as { id: string }).id),
    keys,
  );
});

test('jobs.addBatch refuses bad input with a clear 4xx and queues nothing', async () => {
  const before = await jobCount();
  const bad: [unknown, RegExp][] = [
    [{ task: 'x', keys: [] }, /keys/],
    [{ task: 'x', keys: [''] }, /keys/],
    [{ task: 'x', keys: Array.from({ length: 10_001 }, (_, i) => String(i)) }, /keys/],
    [{ task: 'x', keys: ['1'], jobKey: 'same-for-all' }, /must contain \{key\}/],
    [{ task: 'x', keys: ['1'], payload: [1, 2] }, /payload/],
    [{ task: 'x', keys: ['1'], payload: { big: 'y'.repeat(300 * 1024) } }, /payload template is larger/],
    [{ task: 'x', keys: ['1'], keyType: 'number' }, /keyType/],
    [
      { task: 'x', keys: ['1', 'k'.repeat(256)], jobKey: '{key}'.repeat(3) },
      /1 job key\(s\) would pass graphile-worker's 512 characters \(the first for key "k{40}…"\)/,
    ],
  ];
  for (const [input, message] of bad) {
    const result = await t.te.engine.call('jobs.addBatch', input);
    assert.equal(result.ok, false, JSON.stringify(input).slice(0, 80));
    if (result.ok) continue;
    assert.equal(result.error.code, 'invalid_input');
    assert.match(`${result.error.message} ${JSON.stringify(result.error.details ?? '')}`, message);
  }
  assert.equal(await jobCount(), before, 'nothing queued');
});

test('a read-only connection refuses jobs.add and jobs.addBatch', async () => {
  const writable = t.te.engine.parts.sessions.current()!.profile.id;
  const profile = await t.te.call('connections.save', {
    name: 'read-only add',
    target: { url: t.db.connectionString },
    readOnly: true,
    savePassword: false,
  });
  await t.te.call('connections.activate', { id: profile.id });
  try {
    const before = await jobCount();
    const result = await t.te.engine.call('jobs.add', { task: 'generate_insight' });
    assert.equal(!result.ok && result.error.code, 'read_only');
    const batch = await t.te.engine.call('jobs.addBatch', { task: 'generate_insight', keys: ['1'] });
    assert.equal(!batch.ok && batch.error.code, 'read_only');
    assert.equal(await jobCount(), before);
  } finally {
    await t.te.call('connections.activate', { id: writable });
  }
});

test('jobs.add and jobs.addBatch say how many live workers with the companion run the task (none: the job would wait)', async () => {
  // No worker reports: nothing can be said (workers without the companion are not seen).
  assert.equal((await t.te.call('jobs.add', { task: 'cd_ok' })).workers, null);
  const worker = await startCompanionWorker({ connectionString: t.db.connectionString, jobdeck: { heartbeatIntervalMs: 500 } });
  try {
    await waitFor('the first heartbeat of the worker', async () => {
      const { rows } = await t.db.pool.query<{ ok: boolean }>(
        `select to_regclass('jobdeck.workers') is not null and exists (select 1 from jobdeck.workers where pool_id = $1) as ok`,
        [worker.poolId],
      );
      return rows[0].ok || null;
    });
    const served = await t.te.call('jobs.add', { task: 'cd_ok' });
    assert.deepEqual(served.workers, { reporting: 1, runIt: 1 });
    assert.equal(noWorkerRuns(served.task, served.workers), null);
    const unserved = await t.te.call('jobs.add', { task: 'nobody_runs_this' });
    assert.deepEqual(unserved.workers, { reporting: 1, runIt: 0 });
    assert.match(noWorkerRuns('x', { reporting: 3, runIt: 0 })!, /^None of the 3 live workers with the companion runs x: /);
    assert.match(
      noWorkerRuns(unserved.task, unserved.workers)!,
      /^The one live worker with the companion does not run nobody_runs_this: the job waits/,
    );
    const batch = await t.te.call('jobs.addBatch', { task: 'nobody_runs_this', keys: ['a', 'b'], keyField: 'id', jobKey: 'nobody:{key}' });
    assert.equal(batch.added, 2);
    assert.deepEqual(batch.workers, { reporting: 1, runIt: 0 });
  } finally {
    await worker.stop();
  }
  // A worker that stopped cleanly runs nothing any more: again nothing reports.
  assert.equal((await t.te.call('jobs.add', { task: 'cd_ok' })).workers, null);
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { apiErrorMessage, invalidJsonMessage, missingFieldsMessage, timeoutMessage } from '../../src/engine/demo/llm-client.ts';
import { QUOTA_MESSAGE } from '../../src/engine/demo/fake-llm.ts';

// Retry verdicts (issue 14, point 3) on a real Postgres with the hosted runner: jobs fail with the demo's error
// kinds, their attempts reach the history, each failed job says whether a retry helps, and a retry by filter with
// transientOnly retries the transient ones only and says what it left out, and why.

const TASK_DIR = path.resolve(import.meta.dirname, '../fixtures/companion-kit/task-dir');
const TASK = 'cd_fail_as';

let db: TestPostgres;
let te: TestEngine;

const quota = apiErrorMessage(429, QUOTA_MESSAGE);
const badJson = invalidJsonMessage(new SyntaxError('Unexpected token \'S\', "Sure! Here"... is not valid JSON'));
/** What each job's two attempts fail with, and the verdict expected of it. */
const CASES = {
  quotaTwice: { messages: [quota, quota], verdict: 'transient' },
  timeout: { messages: [timeoutMessage(30_000), timeoutMessage(30_000)], verdict: 'transient' },
  server: { messages: [timeoutMessage(30_000), apiErrorMessage(502, 'Bad gateway.')], verdict: 'transient' },
  jsonOnce: { messages: [timeoutMessage(30_000), badJson], verdict: 'transient' },
  missingTwice: { messages: [missingFieldsMessage(['summary']), missingFieldsMessage(['topics'])], verdict: 'permanent' },
  contextLength: { messages: ["This model's maximum context length is 8192 tokens"], verdict: 'permanent' },
  sameUnknown: { messages: ['model "llama3" not found, try pulling it first'], verdict: 'permanent' },
} as const;
type Case = keyof typeof CASES;
const ids = {} as Record<Case, string>;

before(async () => {
  db = await startTestPostgres();
  te = await startTestEngine({ databaseUrl: db.connectionString, runner: true, taskDirectory: TASK_DIR, concurrency: 4 });
  await waitFor('the hosted runner', () => te.engine.parts.hosted.poolId());
  for (const name of Object.keys(CASES) as Case[]) {
    const { rows } = await db.pool.query<{ id: string }>(
      `select (graphile_worker.add_job($1, $2::json, max_attempts := 2)).id::text as id`,
      [TASK, JSON.stringify({ messages: CASES[name].messages })],
    );
    ids[name] = rows[0].id;
  }
  // Both attempts of every job fail (the second about 3 s after the first), and the history records them.
  await waitFor(
    'every job permanently failed',
    async () => {
      const { rows } = await db.pool.query<{ n: number }>(
        `select count(*)::int as n from graphile_worker._private_jobs where attempts = 2 and locked_at is null`,
      );
      return rows[0].n === Object.keys(CASES).length;
    },
    60_000,
  );
  await waitFor('both attempts of every job in the history', async () => {
    for (const id of Object.values(ids)) {
      const detail = await te.call('jobs.get', { id });
      if (detail.attemptsSeen.filter((a) => a.outcome === 'failed').length < 2) return false;
    }
    return true;
  });
});

after(async () => {
  await te?.close();
  await db?.close();
});

test('each failed job says whether a retry is likely to help (list and detail)', async () => {
  const page = await te.call('jobs.list', { filter: { tasks: [TASK] } });
  for (const name of Object.keys(CASES) as Case[]) {
    const row = page.rows.find((r) => r.id === ids[name]);
    assert.ok(row, name);
    assert.equal(row.verdict?.verdict, CASES[name].verdict, `${name}: ${row.verdict?.reason}`);
    const detail = await te.call('jobs.get', { id: ids[name] });
    assert.deepEqual(detail.verdict, row.verdict, name);
  }
  const missing = page.rows.find((r) => r.id === ids.missingTwice)!;
  assert.equal(missing.verdict?.rule, 'same_type_every_attempt');
  assert.match(missing.verdict.reason, /same parse error on all 2 attempts/);
  assert.equal(page.rows.find((r) => r.id === ids.sameUnknown)?.verdict?.rule, 'same_text_every_attempt');
  assert.equal(page.rows.find((r) => r.id === ids.quotaTwice)?.verdict?.rule, 'type');
});

test('the preview of a retry by filter counts what transient-only leaves out, and why', async () => {
  const preview = await te.call('jobs.preview', { action: 'retry', target: { filter: { tasks: [TASK], states: ['failed'] } } });
  assert.equal(preview.matching, 7);
  assert.ok(preview.verdicts);
  assert.equal(preview.verdicts.transient, 4);
  assert.equal(preview.verdicts.permanent, 3);
  assert.equal(preview.verdicts.partial, false);
  assert.deepEqual(Object.fromEntries(preview.verdicts.leftOut.map((r) => [r.reason, r.count])), {
    "not transient: Context length: retrying as is won't help": 1,
    'not transient: the same parse error on every attempt': 1,
    'not transient: the identical error on every attempt': 1,
  });
});

test('a transient-only retry by filter retries the transient jobs, leaves the others as they were and says why', async () => {
  const before = new Map(
    (
      await db.pool.query<{ id: string; attempts: number; run_at: Date }>(
        'select id::text as id, attempts, run_at from graphile_worker._private_jobs where id = any($1::bigint[])',
        [Object.values(ids)],
      )
    ).rows.map((r) => [r.id, r]),
  );
  // Far in the future, so the hosted runner does not take the retried jobs while the test looks at them.
  const runAt = new Date(Date.now() + 3_600_000).toISOString();
  const report = await te.call('jobs.retry', { target: { filter: { tasks: [TASK], states: ['failed'] } }, runAt, transientOnly: true });
  assert.equal(report.requested, 7);
  assert.equal(report.affected, 4);
  assert.equal(report.skipped, 3);
  const byReason = Object.fromEntries(report.skippedByReason.map((r) => [r.reason, r.sampleIds]));
  assert.deepEqual(byReason["not transient: Context length: retrying as is won't help"], [ids.contextLength]);
  assert.deepEqual(byReason['not transient: the same parse error on every attempt'], [ids.missingTwice]);
  assert.deepEqual(byReason['not transient: the identical error on every attempt'], [ids.sameUnknown]);

  const { rows } = await db.pool.query<{ id: string; attempts: number; run_at: Date; last_error: string }>(
    'select id::text as id, attempts, run_at, last_error from graphile_worker._private_jobs where id = any($1::bigint[])',
    [Object.values(ids)],
  );
  for (const r of rows) {
    const name = (Object.keys(ids) as Case[]).find((n) => ids[n] === r.id)!;
    if (CASES[name].verdict === 'transient') {
      assert.equal(r.attempts, 0, name);
      assert.equal(r.run_at.toISOString(), runAt, name);
    } else {
      // Left out: not touched at all.
      assert.equal(r.attempts, 2, name);
      assert.equal(r.run_at.getTime(), before.get(r.id)!.run_at.getTime(), name);
    }
  }
  const audit = (await te.call('audit.list', { limit: 1 }))[0];
  assert.equal(audit.action, 'jobs.retry');
  assert.equal(audit.skipped, 3);
  assert.deepEqual((audit.detail as { params: Record<string, unknown> }).params.transientOnly, true);
});

test('the Stuck view retries a failed group as the Jobs view does: transient-only leaves out what failed the same way every time', async () => {
  // The group of sameUnknown (its type, Other, says nothing either way; its two identical errors say a retry won't help).
  const target = { kind: 'failed', task: TASK, errorType: 'other', atMost: 1 } as const;
  const before = (
    await db.pool.query<{ attempts: number }>('select attempts from graphile_worker._private_jobs where id = $1', [ids.sameUnknown])
  ).rows[0];
  const report = await te.call('stuck.retry', { target, transientOnly: true });
  assert.deepEqual([report.requested, report.affected, report.skipped], [1, 0, 1]);
  assert.deepEqual(report.skippedByReason, [
    { reason: 'not transient: the identical error on every attempt', count: 1, sampleIds: [ids.sameUnknown] },
  ]);
  const after = (
    await db.pool.query<{ attempts: number }>('select attempts from graphile_worker._private_jobs where id = $1', [ids.sameUnknown])
  ).rows[0];
  assert.deepEqual(after, before, 'left as it was');
  const audit = (await te.call('audit.list', { limit: 1 }))[0];
  assert.equal(audit.action, 'stuck.retry');
  assert.deepEqual((audit.detail as { params: Record<string, unknown> }).params.transientOnly, true);
});

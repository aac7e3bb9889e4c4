import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { companionReading, startHistoryScenario } from '../fixtures/companion-kit/history.ts';
import { waitFor } from '../fixtures/companion-kit/child.ts';
import type { JobDetail } from '../../src/shared/model/jobs.ts';

// LLM usage from the worker that ran the attempt to the console: recorded exactly for successes and failures, summed
// per attempt, priced from the operator's table when the task gave no cost, rolled up for the Usage view, and the
// estimate a bulk retry shows. Bad values never fail a job nor reach a rollup.

const TASK_DIR = path.resolve(import.meta.dirname, '../fixtures/companion-kit/task-dir');

/** USD per million: input 2, cached input 0.5, output 10 (round numbers, so every expected cost is exact). */
const PRICE = { model: 'test-model', validFrom: '2020-01-01', inputPerMillion: 2, cachedInputPerMillion: 0.5, outputPerMillion: 10 };

async function addJob(db: TestPostgres, task: string, payload: unknown, maxAttempts = 1): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(
    `select (graphile_worker.add_job($1, $2::json, max_attempts => $3)).id::text as id`,
    [task, JSON.stringify(payload), maxAttempts],
  );
  return rows[0].id;
}

/** The job's detail once the console has read its `n` attempts. */
async function detailOnceRead(te: TestEngine, id: string, n = 1): Promise<JobDetail> {
  return waitFor(`${n} attempt(s) of job ${id} in the console`, async () => {
    await te.engine.parts.history.reader()?.readNow();
    const d = await te.call('jobs.get', { id });
    return d.attemptsSeen.filter((a) => a.source !== 'watch').length >= n ? d : null;
  });
}

const close = (a: number | null, b: number) => a !== null && Math.abs(a - b) < 1e-9;

/** Runs the same scenario against whichever worker runs the jobs (a separate process, or the hosted runner). */
async function scenario(te: TestEngine, db: TestPostgres) {
  await te.call('usage.prices.set', { prices: [PRICE] });

  // Two calls in one attempt, no cost given: summed, priced from the table.
  const twoCalls = await addJob(db, 'cd_usage', {
    calls: [
      { model: 'test-model', provider: 'openai', inputTokens: 1000, outputTokens: 200, timeToFirstTokenMs: 150 },
      { model: 'test-model', provider: 'openai', inputTokens: 500, outputTokens: 100, cachedInputTokens: 300 },
    ],
  });
  // The task gives its own cost: kept as given.
  const ownCost = await addJob(db, 'cd_usage', { calls: [{ model: 'test-model', inputTokens: 10, outputTokens: 10, costUsd: 0.25 }] });
  // A model without a price: tokens, and no cost.
  const unpriced = await addJob(db, 'cd_usage', { calls: [{ model: 'mystery-model', inputTokens: 400, outputTokens: 40 }] });
  // A failure after the model answered: its tokens and cost count, its raw output is kept beside the error.
  const failed = await addJob(db, 'cd_usage', {
    calls: [{ model: 'test-model', inputTokens: 2000, outputTokens: 500, rawOutput: '{"answer": "unterminated' }],
    fail: 'Unexpected end of JSON input',
  });
  // Bad values: refused by the companion one by one, the job still succeeds, the good values are kept.
  const bad = await addJob(db, 'cd_usage', {
    calls: [
      { model: 'test-model', inputTokens: -5, outputTokens: 1.5, costUsd: 'NaN', reasoningTokens: 1e15 },
      { model: 'test-model', inputTokens: 100, outputTokens: 10 },
    ],
  });

  const d1 = await detailOnceRead(te, twoCalls);
  const u1 = d1.attemptsSeen[0].usage!;
  assert.deepEqual(
    [u1.model, u1.provider, u1.inputTokens, u1.outputTokens, u1.cachedInputTokens, u1.timeToFirstTokenMs, u1.costSource],
    ['test-model', 'openai', 1500, 300, 300, 150, 'price_table'],
  );
  // (1500 - 300) x 2 + 300 x 0.5 + 300 x 10, per million.
  assert.ok(close(u1.costUsd, (1200 * 2 + 300 * 0.5 + 300 * 10) / 1e6), String(u1.costUsd));
  assert.equal(d1.attemptsSeen[0].rawOutput, null, 'a success keeps no raw output by default');

  const u2 = (await detailOnceRead(te, ownCost)).attemptsSeen[0].usage!;
  assert.deepEqual([u2.costUsd, u2.costSource], [0.25, 'task']);

  const u3 = (await detailOnceRead(te, unpriced)).attemptsSeen[0].usage!;
  assert.deepEqual([u3.inputTokens, u3.outputTokens, u3.costUsd, u3.costSource], [400, 40, null, 'no_price']);

  const d4 = await detailOnceRead(te, failed);
  const a4 = d4.attemptsSeen[0];
  assert.equal(a4.outcome, 'failed');
  assert.equal(a4.error, 'Unexpected end of JSON input');
  assert.equal(a4.rawOutput, '{"answer": "unterminated', 'the raw output beside the error');
  assert.ok(close(a4.usage!.costUsd, (2000 * 2 + 500 * 10) / 1e6));

  const d5 = await detailOnceRead(te, bad);
  assert.equal(d5.attemptsSeen[0].outcome, 'succeeded', 'bad usage values never fail the job');
  const u5 = d5.attemptsSeen[0].usage!;
  assert.deepEqual([u5.inputTokens, u5.outputTokens, u5.reasoningTokens, u5.costSource], [100, 10, null, 'price_table']);

  // The rollups: every attempt once, failures by error type, costs priced.
  const summary = await te.call('usage.summary', { window: '1h' });
  assert.equal(summary.totals.attempts, 5);
  assert.equal(summary.totals.successes, 4);
  assert.equal(summary.totals.failures, 1);
  assert.equal(summary.totals.inputTokens, 1500 + 10 + 400 + 2000 + 100);
  assert.equal(summary.totals.outputTokens, 300 + 10 + 40 + 500 + 10);
  assert.equal(summary.totals.unpricedAttempts, 1, 'the mystery model');
  const expectedCost = u1.costUsd! + 0.25 + a4.usage!.costUsd! + u5.costUsd!;
  assert.ok(close(summary.totals.costUsd, expectedCost), `${summary.totals.costUsd} vs ${expectedCost}`);
  assert.ok(close(summary.totals.costPerSuccessUsd, expectedCost / 4), 'failed attempts are part of what a success costs');
  const mystery = summary.byModel.find((m) => m.model === 'mystery-model')!;
  assert.deepEqual([mystery.inputTokens, mystery.costUsd, mystery.priced], [400, null, false], 'no price: tokens, never a made-up cost');
  const priced = summary.byModel.find((m) => m.model === 'test-model')!;
  assert.equal(priced.attempts, 4);
  assert.ok(priced.durationP50Ms !== null && priced.durationP95Ms !== null);
  assert.ok(priced.ttftMeanMs === 150, 'the one time to first token reported');
  assert.equal(summary.failures.length, 1);
  assert.equal(summary.failures[0].attempts, 1);
  assert.ok(summary.failures[0].errorType.length > 0);
  assert.ok(close(summary.failures[0].costUsd, a4.usage!.costUsd!), 'what the failure burned');
  assert.equal(summary.byTask.length, 1);
  assert.equal(summary.byTask[0].task, 'cd_usage');

  // What retrying 10 jobs of the task would cost: its recent average per attempt, times 10.
  const estimate = await te.call('usage.estimate', {
    tasks: [
      { task: 'cd_usage', jobs: 10 },
      { task: 'never_ran', jobs: 3 },
    ],
  });
  assert.equal(estimate.estimate, true);
  const est = estimate.tasks[0];
  assert.equal(est.basedOnAttempts, 5);
  assert.equal(est.inputTokens, Math.round((summary.totals.inputTokens / 5) * 10));
  // The cost average is over the four attempts whose cost is known.
  assert.ok(close(est.costUsd, (expectedCost / 4) * 10), `${est.costUsd}`);
  assert.deepEqual([estimate.tasks[1].basedOnAttempts, estimate.tasks[1].costUsd], [0, null], 'no usage recorded for this task yet');
  assert.equal(estimate.jobsWithoutHistory, 3);

  // A bulk retry's confirmation asks for the jobs per task, then the estimate of them.
  // The job's failure is written just after its attempt is recorded (batched): wait for it to be failed for good.
  const preview = await waitFor('the failed job in the preview', async () => {
    const p = await te.call('jobs.preview', { action: 'retry', target: { filter: { states: ['failed'], tasks: ['cd_usage'] } } });
    return p.byTask?.length ? p : null;
  });
  assert.deepEqual(preview.byTask, [{ task: 'cd_usage', jobs: 1 }], 'the one permanently failed job');
  const retryEstimate = await te.call('usage.estimate', { tasks: preview.byTask });
  assert.ok(close(retryEstimate.costUsd, expectedCost / 4), 'one attempt at the recent average');

  // Read twice, counted once: the rollups do not move when the reader reads again.
  await te.engine.parts.history.reader()?.readNow();
  assert.equal((await te.call('usage.summary', { window: '24h' })).totals.attempts, 5);
}

test('usage from a separate worker process with the companion: exact per attempt, priced, rolled up, estimated', async (t) => {
  const s = await startHistoryScenario(t);
  await companionReading(s.te);
  await scenario(s.te, s.db);
});

test("usage from the hosted runner's own tasks (same companion, same path)", async (t) => {
  const db = await startTestPostgres();
  t.after(() => db.close());
  const te = await startTestEngine({ databaseUrl: db.connectionString, runner: true, taskDirectory: TASK_DIR, concurrency: 2 });
  t.after(() => te.close());
  await waitFor('the hosted runner', () => te.engine.parts.hosted.poolId());
  await scenario(te, db);
  const { rows } = await db.pool.query<{ n: number }>(`select count(distinct pool_id)::int as n from jobdeck.attempts`);
  assert.equal(rows[0].n, 1);
  const status = await te.call('history.status', {});
  assert.ok(status.hostedRecording?.poolId === te.engine.parts.hosted.poolId(), 'the attempts are the hosted runner’s');
});

test('a hostile usage row in jobdeck.attempts: the attempt is recorded, its absurd values are not, the rollup stays sane', async (t) => {
  const s = await startHistoryScenario(t);
  await companionReading(s.te);
  const [worker] = s.workers;
  await s.db.pool.query(
    `insert into jobdeck.attempts (job_id, task, attempt, max_attempts, started_at, finished_at, duration_ms, outcome, pool_id,
                                   model, input_tokens, output_tokens, cached_input_tokens, cost_usd)
     values (424242, 'hostile', 1, 1, now() - interval '1 second', now(), 1000, 'success', $1,
             repeat('m', 10000), 1000000000000000, 20, 50, -3)`,
    [worker.poolId],
  );
  const d = await detailOnceRead(s.te, '424242');
  const u = d.attemptsSeen[0].usage!;
  assert.equal(u.model!.length, 200, 'a 10 KB model name is cut');
  assert.deepEqual([u.inputTokens, u.outputTokens, u.cachedInputTokens, u.costUsd, u.costSource], [null, 20, 50, null, 'no_price']);
  assert.ok(
    s.logs.some((l) => l.level === 'warn' && /out-of-bounds usage/.test(l.message)),
    'one log line',
  );
  const summary = await s.te.call('usage.summary', { window: '1h' });
  assert.deepEqual(
    [summary.totals.attempts, summary.totals.inputTokens, summary.totals.outputTokens, summary.totals.costUsd],
    [1, 0, 20, null],
  );
});

test('the price table: defaults marked, negative prices and malformed dates refused with a 400, JSON round trip', async (t) => {
  const te = await startTestEngine({ offline: true });
  t.after(() => te.close());
  const defaults = await te.call('usage.prices.get', {});
  assert.ok(defaults.prices.length >= 4 && defaults.prices.every((p) => p.isDefault), 'defaults, marked as such');
  assert.equal(defaults.updatedAt, null);
  const refused = async (prices: unknown[], pattern: RegExp) => {
    const r = await te.engine.call('usage.prices.set', { prices });
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, 'invalid_input');
      assert.match(JSON.stringify(r.error), pattern);
    }
  };
  await refused([{ ...PRICE, inputPerMillion: -1 }], /negative/);
  await refused([{ ...PRICE, validFrom: '2025-02-30' }], /calendar date/);
  await refused([{ ...PRICE, validFrom: '01/02/2025' }], /YYYY-MM-DD/);
  await refused([{ ...PRICE, outputPerMillion: 'cheap' }], /outputPerMillion/);
  await refused([PRICE, PRICE], /Two prices/);
  assert.deepEqual(await te.call('usage.prices.get', {}), defaults, 'a refused table changes nothing');

  const mine = [PRICE, { ...PRICE, validFrom: '2025-06-01', inputPerMillion: 1 }];
  const saved = await te.call('usage.prices.set', { prices: mine });
  assert.equal(saved.prices.length, 2);
  assert.ok(saved.updatedAt !== null);
  // Export then import: the same table.
  const exported = JSON.parse(JSON.stringify(saved.prices)) as unknown[];
  const again = await te.call('usage.prices.set', { prices: exported });
  assert.deepEqual(again.prices, saved.prices);
  assert.deepEqual([...again.builtInMissing].sort(), defaults.prices.map((p) => p.model).sort(), 'the shipped models it no longer prices');
  // An empty table stays empty (the defaults do not come back by themselves)...
  assert.equal((await te.call('usage.prices.set', { prices: [] })).prices.length, 0);
  assert.equal((await te.call('usage.prices.get', {})).prices.length, 0);
  // ...until asked: the shipped prices of the models without one come back, and the operator's own rows stay.
  await te.call('usage.prices.set', { prices: [...mine, { ...defaults.prices[0], inputPerMillion: 99, isDefault: false }] });
  const restored = await te.call('usage.prices.restoreDefaults', {});
  assert.deepEqual(restored.builtInMissing, []);
  assert.equal(restored.prices.length, defaults.prices.length + 2);
  const own = restored.prices.filter((p) => p.model === defaults.prices[0].model);
  assert.deepEqual(
    own.map((p) => [p.inputPerMillion, p.isDefault]),
    [[99, false]],
    'a model the operator priced keeps their price',
  );
  assert.deepEqual(
    restored.prices.filter((p) => p.model === PRICE.model),
    saved.prices,
  );
  // Restored is a settings change, in the audit log; restoring again changes nothing and is not.
  const audit = async () => (await te.call('audit.list', { limit: 10 })).filter((e) => e.action === 'usage.prices.restoreDefaults').length;
  assert.equal(await audit(), 1);
  await te.call('usage.prices.restoreDefaults', {});
  assert.equal(await audit(), 1);
});

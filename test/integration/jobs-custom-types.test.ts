import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDatabase } from '../helpers/engine.ts';

const t = useTestDatabase();

test("an operator's own error type filters, labels and acts on jobs in the explorer", async () => {
  await t.db.pool.query(
    `select graphile_worker.add_job('summarize', '{}'::json, max_attempts => 1, job_key => 'm-' || i) from generate_series(1, 3) i`,
  );
  await t.db.pool.query(`select graphile_worker.add_job('summarize', '{}'::json, max_attempts => 1, job_key => 'q-1')`);
  await t.db.pool.query(
    `update graphile_worker._private_jobs set attempts = 1, last_error = 'model "llama3" not found, try pulling it first' where key like 'm-%'`,
  );
  await t.db.pool.query(
    `update graphile_worker._private_jobs set attempts = 1, last_error = 'Error code: 429 - You exceeded your current quota' where key = 'q-1'`,
  );
  const filter = { states: ['failed'], errorType: 'model_missing' };
  assert.equal(((await t.te.call('jobs.list', { filter })) as { rows: unknown[] }).rows.length, 0, 'unknown before the rule exists');

  await t.te.call('history.rules.set', {
    rules: [{ id: 'ollama-model', pattern: 'model "[^"]+" not found', type: 'model_missing', label: 'Model missing', color: '#aa66cc' }],
  });
  const page = (await t.te.call('jobs.list', { filter })) as { rows: { errorType: string }[] };
  assert.equal(page.rows.length, 3);
  assert.ok(page.rows.every((r) => r.errorType === 'model_missing'));
  assert.equal(((await t.te.call('jobs.count', { filter })) as { value: number }).value, 3);
  // Built-in types still work beside it.
  assert.equal(((await t.te.call('jobs.list', { filter: { errorType: 'rate_limit' } })) as { rows: unknown[] }).rows.length, 1);
  const report = (await t.te.call('jobs.retry', { target: { filter } })) as { affected: number; skipped: number };
  assert.deepEqual({ affected: report.affected, skipped: report.skipped }, { affected: 3, skipped: 0 });
});

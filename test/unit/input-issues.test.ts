import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contract, type OpName } from '../../src/shared/contract/index.ts';
import { summarizeIssues } from '../../src/engine/input-issues.ts';
import { inputShapeProblem } from '../../src/engine/input-shape.ts';

// What an operator reads when an operation refuses its input (a review found "target: Invalid input" for every
// mistake in a union, two messages for one bad value, and a path of 63 ".0").

function refusal(name: OpName, input: unknown): string {
  const parsed = contract[name].input.safeParse(input);
  assert.equal(parsed.success, false, `${name} refuses ${JSON.stringify(input).slice(0, 80)}`);
  return summarizeIssues(parsed.error);
}

test('a union says the problems of the shape that came closest, not "Invalid input"', () => {
  assert.equal(refusal('jobs.retry', { target: { ids: ['1'], filter: {} } }), 'target: Unrecognized key: "filter"');
  const ids = Array.from({ length: 50_001 }, (_, i) => String(i + 1));
  assert.equal(refusal('jobs.retry', { target: { ids } }), 'target.ids: must have at most 50,000 items');
  // A rule of one kind with a misnamed field: that kind's problems, not those of the first kind in the list.
  assert.equal(
    refusal('alerts.rules.set', { rules: [{ kind: 'daily_spend', id: 'a', thresholdUsd: 5 }] }),
    'rules.0.budgetUsd: is required (a number); rules.0: Unrecognized key: "thresholdUsd"',
  );
});

test('a kind that is none of the kinds is told the kinds there are; an empty name is said once', () => {
  assert.equal(
    refusal('alerts.rules.set', { rules: [{ kind: 'nope' }] }),
    'rules.0.kind: must be one of backlog, oldest_due, failure_rate, stuck, no_worker, worker_gone, daily_spend',
  );
  assert.equal(refusal('jobs.add', { task: '' }), 'task: must not be empty');
});

test('one message for one mistake: no year range for a text that is no time, no safe-integer bound beside the real one', () => {
  assert.equal(refusal('jobs.list', { filter: { createdFrom: 'yesterday' } }), 'filter.createdFrom: Invalid ISO datetime');
  assert.equal(refusal('jobs.add', { task: 'x', runAt: 'tomorrow' }), 'runAt: Invalid ISO datetime');
  assert.equal(refusal('jobs.list', { limit: 1e308 }), 'limit: must be at most 500');
  assert.equal(refusal('jobs.list', { cursor: '99999999999999999999' }), 'cursor: a job id is at most 9223372036854775807 (a bigint)');
  assert.equal(refusal('jobs.list', { cursor: 'x1' }), 'cursor: a job id is a positive integer');
});

test('a value nested too deep is named by a short path', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 70; i++) deep = [deep];
  assert.equal(inputShapeProblem({ payload: deep }), 'input.payload.0.…(59 levels).0.0.0: nested more than 64 levels deep');
});

test('a range that ends before it starts is refused, not read as "nothing matches"', () => {
  const day = (d: number) => `2026-12-0${d}T00:00:00Z`;
  assert.equal(
    refusal('jobs.list', { filter: { createdFrom: day(5), createdTo: day(4) } }),
    'filter.createdTo: createdFrom must not be after createdTo',
  );
  assert.equal(
    refusal('jobs.count', { filter: { runAtFrom: day(5), runAtTo: day(4) } }),
    'filter.runAtTo: runAtFrom must not be after runAtTo',
  );
  assert.equal(
    refusal('jobs.retry', { target: { filter: { createdFrom: day(5), createdTo: day(4) } } }),
    'target.filter.createdTo: createdFrom must not be after createdTo',
  );
  assert.equal(refusal('history.list', { from: day(5), to: day(4) }), 'to: from must not be after to');
  assert.equal(refusal('history.export', { from: day(5), to: day(4), format: 'csv' }), 'to: from must not be after to');
  // The same instant at both ends, and either end alone, are ranges.
  assert.ok(contract['jobs.list'].input.safeParse({ filter: { createdFrom: day(4), createdTo: '2026-12-04T01:00:00+01:00' } }).success);
  assert.ok(contract['jobs.list'].input.safeParse({ filter: { createdTo: day(4) } }).success);
  assert.ok(contract['history.list'].input.safeParse({ from: day(4) }).success);
});

test("zod's own wording is said in plain words; a schema's own message is kept", () => {
  assert.equal(refusal('jobs.add', { task: 'x', maxAttempts: 0 }), 'maxAttempts: must be at least 1');
  assert.equal(refusal('jobs.add', { task: 'x', maxAttempts: 1.5 }), 'maxAttempts: must be a whole number');
  assert.equal(refusal('jobs.add', { task: 'x', priority: 'high' }), 'priority: must be a number, not a string');
  assert.equal(refusal('jobs.add', { task: 'x', priority: 40_000 }), 'priority: must be at most 32,767');
  assert.equal(refusal('jobs.retry', { target: { ids: [] } }), 'target.ids: must not be empty');
  assert.equal(refusal('jobs.get', {}), 'id: is required (a string)');
  assert.equal(refusal('jobs.get', { id: 'abc' }), 'id: a job id is a positive integer');
});

test('a job id may come as a JSON number when it is one exactly; otherwise the refusal says how to send it', () => {
  const parsed = contract['jobs.get'].input.parse({ id: 42 });
  assert.deepEqual(parsed, { id: '42' });
  assert.deepEqual(contract['jobs.retry'].input.parse({ target: { ids: [5, '6'] } }).target, { ids: ['5', '6'] });
  assert.equal(refusal('jobs.get', { id: 1.5 }), 'id: a job id is a positive integer');
  assert.equal(refusal('jobs.get', { id: -3 }), 'id: a job id is a positive integer');
  assert.equal(
    refusal('jobs.get', { id: 2 ** 60 }),
    'id: a job id above 9007199254740991 must be sent as a string: a JSON number loses its last digits',
  );
});

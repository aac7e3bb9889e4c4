import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_PAUSED_PLACEHOLDER, PauseGate } from '../../src/worker/pause-gate.ts';

const handler = async () => {};

test('a paused task leaves the fetch list (Object.keys) but stays runnable by name; resume puts it back', () => {
  const tasks: Record<string, typeof handler> = { a: handler, b: handler, c: handler };
  const gate = new PauseGate();
  gate.attach(tasks);
  assert.deepEqual(gate.apply(new Set(['b', 'unknown'])), ['b']);
  assert.deepEqual(Object.keys(tasks), ['a', 'c']);
  assert.equal(tasks.b, handler, 'a job fetched just before the pause still finds its handler');
  assert.deepEqual(gate.apply(new Set()), []);
  assert.deepEqual(Object.keys(tasks).sort(), ['a', 'b', 'c']);
});

test('every task paused: a placeholder no job carries keeps the list non-empty, and goes with the first resume', () => {
  const tasks: Record<string, typeof handler> = { a: handler, b: handler };
  const gate = new PauseGate();
  gate.attach(tasks);
  gate.apply(new Set(['a', 'b']));
  assert.deepEqual(Object.keys(tasks), [ALL_PAUSED_PLACEHOLDER]);
  gate.apply(new Set(['a']));
  assert.deepEqual(Object.keys(tasks), ['b']);
});

test('a frozen task list is reported, never broken', () => {
  const tasks = Object.freeze({ a: handler });
  const gate = new PauseGate();
  gate.attach(tasks);
  assert.deepEqual(gate.apply(new Set(['a'])), []);
  assert.equal(gate.failed, true);
  assert.deepEqual(Object.keys(tasks), ['a']);
});

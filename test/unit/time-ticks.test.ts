import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tickStep, timeTicks } from '../../src/renderer/src/components/time-ticks.ts';

const SEC = 1000;
const MIN = 60 * SEC;
// A fixed instant on a whole hour in UTC; the ticks align to the local clock, so the checks use differences.
const T0 = Date.UTC(2026, 11, 3, 9, 0, 0);

test('a minute of history gets ticks every 10 s (labels with seconds), not a single one', () => {
  const from = T0 + 3 * SEC;
  const to = from + 62 * SEC;
  assert.equal(tickStep(from, to), 10 * SEC);
  const ticks = timeTicks(from, to);
  assert.ok(ticks.length >= 6, `${ticks.length} ticks`);
  for (let i = 1; i < ticks.length; i++) assert.equal(ticks[i] - ticks[i - 1], 10 * SEC);
  assert.ok(ticks[0] >= from && ticks.at(-1)! <= to, 'inside the span');
  assert.equal(ticks[0] % (10 * SEC), 0, 'on round seconds');
});

test('longer spans keep minute, hour and day steps', () => {
  assert.equal(tickStep(T0, T0 + 3 * MIN), 30 * SEC);
  assert.equal(tickStep(T0, T0 + 60 * MIN), 10 * MIN);
  assert.equal(tickStep(T0, T0 + 24 * 60 * MIN), 360 * MIN);
  assert.equal(tickStep(T0, T0 + 7 * 24 * 60 * MIN), 1440 * MIN);
});

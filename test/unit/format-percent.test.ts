import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPercent } from '../../src/renderer/src/format.ts';

// A share on screen never reads "all" or "none" when it is not: 232 of 233 jobs that ended well is not 100%.

test('whole percentages in between, exact ends as they are', () => {
  assert.deepEqual([0, 0.19, 0.5, 0.876, 1].map(formatPercent), ['0%', '19%', '50%', '88%', '100%']);
});

test('near either end, one decimal rather than a rounded 100% or 0%', () => {
  assert.equal(formatPercent(232 / 233), '99.5%');
  assert.equal(formatPercent(0.9957), '99.5%');
  assert.equal(formatPercent(0.004), '0.4%');
  assert.equal(formatPercent(0.9999), '>99.9%');
  assert.equal(formatPercent(0.0002), '<0.1%');
});

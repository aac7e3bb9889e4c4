import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatWhen } from '../../src/renderer/src/format.ts';

// Times in the Failures view's attempts table: short enough for its column at 1024 px, never ambiguous.

const NOW = new Date(2026, 11, 3, 15, 0, 0).getTime();

test('today: the time alone, to the second', () => {
  const at = new Date(2026, 11, 3, 12, 41, 7);
  const text = formatWhen(at, NOW);
  assert.match(text, /12:41:07|41:07/);
  assert.doesNotMatch(text, /Dec|2026/);
});

test('another day of this year: month and day with the time; another year: the full date', () => {
  const other = formatWhen(new Date(2026, 11, 2, 15, 41, 0), NOW);
  assert.match(other, /Dec/);
  assert.match(other, /2/);
  assert.doesNotMatch(other, /2026/);
  assert.match(formatWhen(new Date(2025, 11, 31, 23, 0, 0), NOW), /2025/);
});

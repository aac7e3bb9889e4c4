import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attemptRecounts } from '../../src/renderer/src/views/jobs/jobs-format.ts';

const of = (...numbers: Array<number | null>) => numbers.map((attempt) => ({ attempt }));

test("a job's attempts list marks where a retry counted them again from 1", () => {
  // 1-5, retried, 1-4: one mark, before the second run's first attempt (a review read "1-5, 1-4" as one run of 9).
  assert.deepEqual([...attemptRecounts(of(1, 2, 3, 4, 5, 1, 2, 3, 4))], [5]);
  // A retry after the first attempt alone: 1, 1.
  assert.deepEqual([...attemptRecounts(of(1, 1, 2))], [1]);
  // Counting on without a retry, and the watcher's attempts of unknown number, mark nothing.
  assert.deepEqual([...attemptRecounts(of(1, 2, null, 3))], []);
  assert.deepEqual([...attemptRecounts(of())], []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRESH_FAILURE_MS, outOfAttemptsItem } from '../../src/engine/overview/trouble.ts';
import type { FailedGroup } from '../../src/shared/model/stuck.ts';

// The overview's "out of attempts" item, from the Stuck report's permanently failed groups.

const NOW = Date.parse('2026-12-03T12:00:00Z');
const group = (task: string, count: number, verdict: FailedGroup['verdict'], agoMs: number, errorType = 'unknown'): FailedGroup => ({
  task,
  errorType,
  count,
  sampleError: 'boom',
  verdict,
  lastFailedAt: new Date(NOW - agoMs).toISOString(),
});

test('no permanently failed job, no item', () => {
  assert.equal(outOfAttemptsItem([], NOW), null);
});

test('counts every group, names the biggest tasks and how many a retry is likely to help', () => {
  const item = outOfAttemptsItem(
    [
      group('summarize', 80, 'transient', 10 * 60_000, 'rate_limit'),
      group('enrich', 30, 'permanent', 3 * 3_600_000, 'parse'),
      group('summarize', 5, 'permanent', 5 * 3_600_000, 'parse'),
      group('tag', 2, 'unknown', 3_600_000),
      group('translate', 1, 'unknown', 3_600_000),
    ],
    NOW,
  )!;
  assert.equal(item.count, 118);
  assert.equal(item.title, '118 jobs out of attempts');
  assert.equal(
    item.detail,
    'Their work never got its output: summarize 85, enrich 30, tag 2, 1 other task. ' +
      'A retry is likely to help 80 of them (by their error types). Open them to retry or cancel; the Stuck view groups them by error type.',
  );
  assert.equal(item.severity, 'warning', 'one group failed 10 minutes ago');
  assert.deepEqual(item.link, { path: 'jobs', params: { state: 'failed' } });
});

test('jobs that all failed more than an hour ago wait for a decision: info, not a warning', () => {
  const item = outOfAttemptsItem([group('enrich', 3, 'transient', FRESH_FAILURE_MS + 1)], NOW)!;
  assert.equal(item.severity, 'info');
  assert.match(item.detail, /A retry is likely to help all of them/);
  assert.equal(outOfAttemptsItem([group('enrich', 3, 'transient', FRESH_FAILURE_MS - 1)], NOW)!.severity, 'warning');
  assert.match(outOfAttemptsItem([group('enrich', 1, 'transient', 0)], NOW)!.detail, /A retry is likely to help it \(/);
});

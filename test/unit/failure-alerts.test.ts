import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFailureAlerts } from '../../src/main/failure-alerts.ts';
import { emptyCounts } from '../../src/shared/model/job-state.ts';
import type { OverviewSnapshot } from '../../src/shared/model/overview.ts';

const snap = (failedByTask: Record<string, number>): OverviewSnapshot => {
  const byTask = Object.entries(failedByTask).map(([task, failed]) => ({ task, ...emptyCounts(), failed, total: failed }));
  const failed = byTask.reduce((n, t) => n + t.failed, 0);
  return { at: new Date().toISOString(), queryMs: 1, totals: { ...emptyCounts(), failed, total: failed }, byTask, byQueue: [] };
};

test('a rise in permanently failed jobs raises one alert that opens the failed list of the task', () => {
  const decide = createFailureAlerts(60_000);
  assert.equal(decide(snap({ a: 1 }), 0), null, 'the first snapshot is the baseline');
  assert.equal(decide(snap({ a: 1 }), 1_000), null, 'no change, no alert');
  const alert = decide(snap({ a: 4, b: 0 }), 2_000);
  assert.deepEqual(alert && { title: alert.title, path: alert.path, params: alert.params }, {
    title: '3 jobs failed for good',
    path: 'jobs',
    params: { state: 'failed', task: 'a' },
  });
});

test('alerts are rate-limited, and name no task when several grew', () => {
  const decide = createFailureAlerts(60_000);
  decide(snap({ a: 0, b: 0 }), 0);
  assert.ok(decide(snap({ a: 1, b: 0 }), 1_000));
  assert.equal(decide(snap({ a: 2, b: 0 }), 30_000), null, 'quiet for a minute after an alert');
  const later = decide(snap({ a: 3, b: 2 }), 90_000);
  assert.deepEqual(later?.params, { state: 'failed' });
  assert.equal(later?.title, '3 jobs failed for good');
  assert.equal(decide(snap({ a: 1, b: 0 }), 200_000), null, 'a fall (retries) is not an alert');
});

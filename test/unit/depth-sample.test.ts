import { test } from 'node:test';
import assert from 'node:assert/strict';
import { depthSampleOf } from '../../src/shared/model/overview.ts';
import { shownCounts } from '../../src/renderer/src/components/shown-counts.ts';

// The overview's cards, its chart and the cards' trend lines read one derivation of a count: a due retry is Ready
// everywhere, a parked job is apart everywhere. (A review found the chart showing ~170 waiting retries beside a card
// of 31: the samples counted due retries as Waiting to retry, the cards as Ready.)

const counts = {
  ready: 100,
  scheduled: 40,
  running: 7,
  retrying: 200,
  failed: 5,
  total: 352,
  dueRetries: 150,
  parkedNew: 10,
  parkedRetries: 20,
  heldByGone: 2,
};

test('a count as a depth sample: due retries in Ready, parked jobs apart, nothing counted twice or lost', () => {
  const sample = depthSampleOf('2026-12-04T19:00:00.000Z', counts);
  assert.deepEqual(sample, {
    at: '2026-12-04T19:00:00.000Z',
    ready: 250,
    scheduled: 30,
    running: 7,
    retrying: 30,
    failed: 5,
    paused: 30,
  });
  const { at: _at, ...states } = sample;
  assert.equal(
    Object.values(states).reduce((a, b) => a + b, 0),
    counts.total,
  );
});

test('the cards show what the samples hold (Running apart: jobs held by gone workers are shown on their own)', () => {
  const sample = depthSampleOf('', counts);
  const shown = shownCounts(counts);
  assert.deepEqual(
    [shown.ready, shown.scheduled, shown.retrying, shown.failed],
    [sample.ready, sample.scheduled, sample.retrying, sample.failed],
  );
  assert.deepEqual([shown.dueRetries, shown.running, shown.gone], [150, 5, 2]);
  assert.deepEqual(shown.paused, { scheduled: 10, retrying: 20 });
});

test('figures that disagree (a count and its due list read at different moments) never go below zero', () => {
  const sample = depthSampleOf('', { ...counts, retrying: 25, dueRetries: 150, parkedRetries: 20 });
  assert.deepEqual([sample.ready, sample.retrying, sample.paused], [105, 0, 30]);
  const shown = shownCounts({ ...counts, retrying: 25, dueRetries: 150, parkedRetries: 20 });
  assert.deepEqual([shown.ready, shown.dueRetries, shown.retrying, shown.paused.retrying], [105, 5, 0, 20]);
});

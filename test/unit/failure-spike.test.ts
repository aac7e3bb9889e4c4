import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureSpike, readTrouble, spikeDetail, spikeItem } from '../../src/engine/overview/trouble.ts';
import type { HistorySummary } from '../../src/shared/model/history.ts';
import { kindLabel } from '../../src/renderer/src/components/trouble-labels.ts';

// The overview's failure spike: the last 15 minutes against the rate before, over the span the history holds.

const MINUTE = 60_000;
const TO = Date.UTC(2026, 11, 2, 12, 0);

/** The last hour in minute buckets (as history.summary gives it), with `failures` and `successes` by minute ago. */
function summary(firstMinutesAgo: number | null, events: Record<number, { failures?: number; successes?: number }>): HistorySummary {
  const buckets = [];
  for (let ago = 60; ago >= 0; ago--) {
    buckets.push({ t: TO - ago * MINUTE, failures: events[ago]?.failures ?? 0, successes: events[ago]?.successes ?? 0, byType: {} });
  }
  const part: Pick<HistorySummary, 'to' | 'bucketMs' | 'buckets' | 'firstAt'> = {
    to: new Date(TO).toISOString(),
    bucketMs: MINUTE,
    buckets,
    firstAt: firstMinutesAgo === null ? null : new Date(TO - firstMinutesAgo * MINUTE).toISOString(),
  };
  return part as HistorySummary;
}

test('a console that began recording minutes ago: a burst is a spike, and it says nothing was recorded before', () => {
  const spike = failureSpike(summary(5, { 5: { successes: 6 }, 3: { failures: 3, successes: 6 }, 1: { failures: 3 } }));
  assert.ok(spike);
  assert.deepEqual([spike.failures, spike.attempts, spike.before, spike.comparable], [6, 18, 0, false]);
  assert.equal(spikeDetail(spike), "33% of attempts failed (Jobdeck's record begins within these 15 min: no rate before to compare with).");
  // Shown, as information: with nothing to compare with, it is no warning that would greet every start.
  assert.equal(spikeItem(spike).severity, 'info');
  // Nor is it called a spike on the overview: a steady failure rate in a console's first minutes is no spike.
  assert.equal(kindLabel(spikeItem(spike)), 'Recent failures');
});

test('a history of the whole hour: the rate before is compared, and named', () => {
  const spike = failureSpike(summary(60, { 50: { failures: 1 }, 30: { failures: 2 }, 10: { failures: 10, successes: 10 } }));
  assert.ok(spike);
  assert.deepEqual([spike.failures, spike.before, spike.comparable], [10, 1, true]);
  assert.equal(spikeDetail(spike), '50% of attempts failed (about 1 in the 15 min before).');
  assert.equal(spikeItem(spike).severity, 'warning');
  assert.equal(kindLabel(spikeItem(spike)), 'Failure spike');
});

test('the rate before is taken over the recorded span only, not diluted by the time before recording began', () => {
  // Recording began 20 minutes ago: 4 failures in the 5 recorded minutes before the last 15 are 12 per 15 minutes,
  // so 10 now is no spike (over the whole 45 minutes they would have read as 1.3, and 10 as a spike).
  assert.equal(failureSpike(summary(20, { 18: { failures: 4 }, 5: { failures: 10, successes: 10 } })), null);
});

test('a record that began within a minute bucket counts only the part of it recorded', () => {
  // Recording began 17.1 minutes ago: 4 failures in the 2.1 minutes recorded before the last 15 are about 29 per
  // 15 minutes, so 50 now is not twice that (taking the first bucket as a whole minute, 3 minutes, made it 20).
  assert.equal(failureSpike(summary(17.1, { 17: { failures: 4 }, 5: { failures: 50 } })), null);
  const spike = failureSpike(summary(17.1, { 17: { failures: 4 }, 5: { failures: 60 } }));
  assert.deepEqual([spike?.failures, spike?.before, spike?.comparable], [60, 29, true]);
});

test('less than a minute of record before the last 15 minutes is no rate to compare with', () => {
  // Recording began 6 s before the span: one failure in those seconds read as 150 per 15 minutes, hiding this burst.
  const spike = failureSpike(summary(15.1, { 16: { failures: 1 }, 5: { failures: 12 } }));
  assert.deepEqual([spike?.failures, spike?.before, spike?.comparable], [12, 0, false]);
});

test('too few failures, or too small a share of the attempts, is no spike', () => {
  assert.equal(failureSpike(summary(5, { 2: { failures: 4 } })), null);
  assert.equal(failureSpike(summary(5, { 2: { failures: 5, successes: 100 } })), null);
  assert.equal(failureSpike(summary(null, {})), null);
});

test('a spike on show stays while the share is near the threshold, and clears below 15%', () => {
  // 19% of attempts failed: not a spike when none is on show, still one when it is (no flapping around 20%).
  const nearThreshold = summary(5, { 3: { failures: 19, successes: 81 } });
  assert.equal(failureSpike(nearThreshold), null);
  const kept = failureSpike(nearThreshold, true);
  assert.ok(kept);
  assert.deepEqual([kept.failures, kept.attempts], [19, 100]);
  // 14%: cleared even though one was on show.
  assert.equal(failureSpike(summary(5, { 3: { failures: 14, successes: 86 } }), true), null);
  // 21%: a spike either way.
  assert.ok(failureSpike(summary(5, { 3: { failures: 21, successes: 79 } })));
});

test('the trouble summary keeps the spike card of its previous read while the share stays near the threshold', async () => {
  const failures = summary(5, { 3: { failures: 19, successes: 81 } });
  // Only the failure history answers here: the other reads fail, and the summary says so in its errors.
  const sources = {
    stuck: () => Promise.reject(new Error('not read here')),
    pauses: () => Promise.reject(new Error('not read here')),
    failures: () => Promise.resolve(failures),
  };
  const first = await readTrouble(sources, null);
  assert.deepEqual(first.items, []);
  const shown = { ...first, items: [spikeItem(failureSpike(summary(5, { 3: { failures: 21, successes: 79 } }))!)] };
  const next = await readTrouble(sources, null, shown);
  assert.deepEqual(
    next.items.map((item) => [item.kind, item.count]),
    [['failure-spike', 19]],
  );
});

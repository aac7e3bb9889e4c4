import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partialBucketStart } from '../../src/shared/model/history.ts';

const bucket = (t: number) => ({ t, successes: 0, failures: 0, byType: {} });

test("the chart's last bucket is known to be still filling when it ends after now, and only then", () => {
  const minute = 60_000;
  const t0 = Date.parse('2026-12-06T09:00:00.000Z');
  const buckets = [bucket(t0), bucket(t0 + minute), bucket(t0 + 2 * minute)];
  // Now is 12 s into the third minute: that minute is partial.
  assert.equal(partialBucketStart({ to: new Date(t0 + 2 * minute + 12_000).toISOString(), bucketMs: minute, buckets }), t0 + 2 * minute);
  // Now is the end of the third minute: every bucket is whole.
  assert.equal(partialBucketStart({ to: new Date(t0 + 3 * minute).toISOString(), bucketMs: minute, buckets }), null);
  assert.equal(partialBucketStart({ to: new Date(t0).toISOString(), bucketMs: minute, buckets: [] }), null);
});

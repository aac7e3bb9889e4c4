import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttemptCursor } from '../../src/engine/history/attempt-cursor.ts';
import { judgeRow } from '../../src/engine/history/companion-rows.ts';

test('the cursor waits for transactions in flight before moving past ids it has not seen', () => {
  const cursor = new AttemptCursor(10n);
  // Ids 11-12 were taken by a flush still in flight (xid 500); 13-15 by one that committed.
  cursor.read([13n, 14n, 15n], 501n, 0);
  assert.deepEqual(cursor.skip(), [13n, 14n, 15n]);
  assert.equal(cursor.advance(500n, 5_000), false, 'xid 500 still runs: 11 and 12 may still come');
  assert.equal(cursor.low, 10n);
  // The late flush commits: the next page (ids above 10, skipping 13-15) finds 11 and 12.
  cursor.read([11n, 12n], 520n, 5_000);
  assert.equal(cursor.advance(600n, 5_500), true, 'xid 500 has ended: everything up to 15 is read');
  assert.equal(cursor.low, 15n);
  assert.deepEqual(cursor.skip(), [], 'ids at or below low are no longer listed');
});

test('a young checkpoint waits a second; one a minute old is taken whatever runs', () => {
  const cursor = new AttemptCursor(0n);
  cursor.read([1n, 2n], 100n, 1_000);
  assert.equal(cursor.advance(200n, 1_500), false, 'half a second old');
  assert.equal(cursor.advance(200n, 2_000), true);
  assert.equal(cursor.low, 2n);
  cursor.read([3n], 300n, 3_000);
  assert.equal(cursor.advance(250n, 62_000), false, 'a long transaction (xmin 250) holds it back for a minute');
  assert.equal(cursor.advance(250n, 63_000), true);
  assert.equal(cursor.low, 3n);
});

test('an empty page adds no checkpoint and moves nothing', () => {
  const cursor = new AttemptCursor(7n);
  cursor.read([], 10n, 0);
  assert.equal(cursor.advance(1_000n, 120_000), false);
  assert.equal(cursor.low, 7n);
});

const goodRow = {
  job_id: '42',
  task: 'summarize',
  queue: null,
  attempt: 2,
  max_attempts: 3,
  started_ms: 1_700_000_000_000,
  finished_ms: 1_700_000_000_250,
  duration_ms: 250.5,
  outcome: 'failure',
  error: 'Error code: 429',
  error_bytes: 15,
  pool_id: 'pool-abc',
};

test('a well-formed row is an attempt; malformed and hostile ones are refused with their reason', () => {
  const ok = judgeRow(5n, goodRow);
  assert.ok(!('reason' in ok));
  assert.deepEqual([ok.id, ok.jobId, ok.attempt, ok.outcome, ok.durationMs], [5, 42, 2, 'failure', 250.5]);

  const refused = (patch: Record<string, unknown>, id = 6n) => {
    const r = judgeRow(id, { ...goodRow, ...patch });
    assert.ok('reason' in r, `refused: ${JSON.stringify(patch)}`);
    return r.reason;
  };
  assert.match(refused({ attempt: 1_000_000_000 }), /^attempt: /);
  assert.match(refused({ attempt: 0 }), /^attempt: /);
  assert.match(refused({ duration_ms: -5 }), /^duration_ms: /);
  assert.match(refused({ duration_ms: NaN }), /^duration_ms: /);
  assert.match(refused({ duration_ms: Infinity }), /^duration_ms: /);
  assert.match(refused({ outcome: 'exploded' }), /^outcome: /);
  assert.match(refused({ error_bytes: 10 * 1024 * 1024 }), /error text beyond/);
  assert.match(refused({ task: null }), /^task: /);
  assert.match(refused({ job_id: null }), /^job_id: /);
  assert.match(refused({ job_id: '-3' }), /^job_id: /);
  assert.match(refused({ pool_id: '' }), /^pool_id: /);
  assert.match(refused({ finished_ms: goodRow.started_ms - 60_000 }), /finished before it started/);
  assert.match(refused({ finished_ms: Date.now() + 30 * 24 * 3600_000 }), /in the future/);
  assert.match(refused({ started_ms: null, duration_ms: null }), /started_ms: .*; duration_ms: /, 'every problem in one line');
  assert.match(refused({}, 2n ** 60n), /beyond 2\^53/);
});

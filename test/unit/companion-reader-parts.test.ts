import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttemptCursor } from '../../src/engine/history/attempt-cursor.ts';
import { judgeRow } from '../../src/engine/history/companion-rows.ts';

test('the cursor waits for transactions in flight before moving past ids it has not seen', () => {
  const cursor = new AttemptCursor(10n);
  // Ids 11-12 were taken by a flush still in flight (xid 500); 13-15 by one that committed.
  cursor.read([13n, 14n, 15n], 501n, 0);
  assert.deepEqual(cursor.unread(), { above: 15n, gaps: [{ first: 11n, last: 12n }] }, 'the next page reads 11-12 and above 15');
  assert.equal(cursor.advance(500n, 5_000), false, 'xid 500 still runs: 11 and 12 may still come');
  assert.equal(cursor.low, 10n);
  // The late flush commits: the next page (the gap 11-12, and above 15) finds 11 and 12.
  cursor.read([11n, 12n], 520n, 5_000);
  assert.deepEqual(cursor.unread(), { above: 15n, gaps: [] });
  assert.equal(cursor.advance(600n, 5_500), true, 'xid 500 has ended: everything up to 15 is read');
  assert.equal(cursor.low, 15n);
  assert.deepEqual(cursor.unread(), { above: 15n, gaps: [] });
});

test('late ids split their gap; moving low drops the gaps below it and trims the one across it', () => {
  const cursor = new AttemptCursor(0n);
  cursor.read([5n, 20n], 100n, 0);
  assert.deepEqual(cursor.unread().gaps, [
    { first: 1n, last: 4n },
    { first: 6n, last: 19n },
  ]);
  cursor.read([1n, 10n, 19n, 25n], 110n, 500);
  assert.deepEqual(cursor.unread(), {
    above: 25n,
    gaps: [
      { first: 2n, last: 4n },
      { first: 6n, last: 9n },
      { first: 11n, last: 18n },
      { first: 21n, last: 24n },
    ],
  });
  cursor.read([4n, 2n, 3n, 10n], 120n, 600);
  assert.deepEqual(
    cursor.unread().gaps.map((g) => [g.first, g.last]),
    [
      [6n, 9n],
      [11n, 18n],
      [21n, 24n],
    ],
    'a gap read whole is gone; an id read twice changes nothing',
  );
  // The first checkpoint (up to 20) is safe: low moves to 20, dropping 6-9 and 11-18; 21-24 stays (above low).
  assert.equal(cursor.advance(105n, 1_200), true);
  assert.equal(cursor.low, 20n);
  assert.deepEqual(cursor.unread(), { above: 25n, gaps: [{ first: 21n, last: 24n }] });
});

test('a jump in ids (rows deleted by retention, a sequence moved) is one gap, not one entry per id', () => {
  const cursor = new AttemptCursor(0n);
  cursor.read([1_000_000_001n], 10n, 0);
  assert.deepEqual(cursor.unread(), { above: 1_000_000_001n, gaps: [{ first: 1n, last: 1_000_000_000n }] });
  assert.equal(cursor.advance(10n, 1_000), true);
  assert.deepEqual(cursor.unread(), { above: 1_000_000_001n, gaps: [] });
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

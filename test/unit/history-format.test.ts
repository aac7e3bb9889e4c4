import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toCsv, toJsonChunk } from '../../src/engine/history/export-format.ts';
import { boundError } from '../../src/engine/history/attempts-repo.ts';
import { failureTime } from '../../src/shared/model/job-state.ts';
import { MAX_ERROR_CHARS, type FailedAttempt } from '../../src/shared/model/history.ts';

const attempt = (id: number, error: string): FailedAttempt => ({
  id,
  connectionId: 'c',
  jobId: id,
  task: 'summarize',
  queue: null,
  attempt: 1,
  maxAttempts: 3,
  at: new Date(1_700_000_000_000 + id).toISOString(),
  error,
  errorType: 'other',
  durationMs: null,
  poolId: null,
  source: 'watch',
  final: false,
});

test('CSV: quotes commas, quotes and newlines; defuses spreadsheet formulas; header on the first page only', () => {
  const first = toCsv([attempt(1, 'a, "b"\nc'), attempt(2, '=HYPERLINK("http://x")')], true).split('\r\n');
  assert.equal(first[0], 'at,jobId,task,queue,attempt,maxAttempts,errorType,durationMs,poolId,source,final,error');
  assert.ok(first[1].endsWith(',"a, ""b""\nc"'), first[1]);
  assert.ok(first[2].endsWith(`,"'=HYPERLINK(""http://x"")"`), first[2]);
  assert.ok(!toCsv([attempt(3, 'x')], false).startsWith('at,'));
});

test('JSON pages concatenate into one valid array, whatever the page sizes', () => {
  const rows = [1, 2, 3, 4, 5].map((i) => attempt(i, `error ${i}`));
  const text =
    toJsonChunk(rows.slice(0, 2), true, false) + toJsonChunk(rows.slice(2, 4), false, false) + toJsonChunk(rows.slice(4), false, true);
  assert.deepEqual(
    (JSON.parse(text) as FailedAttempt[]).map((r) => r.id),
    [1, 2, 3, 4, 5],
  );
  assert.deepEqual(JSON.parse(toJsonChunk([], true, true)), []);
});

test('error texts are bounded and say how much was cut', () => {
  const huge = 'x'.repeat(MAX_ERROR_CHARS * 3);
  const bounded = boundError(huge);
  assert.ok(bounded.length < MAX_ERROR_CHARS + 100);
  assert.match(bounded, new RegExp(`${MAX_ERROR_CHARS * 2} more characters cut`));
  assert.equal(boundError('short'), 'short');
  assert.equal(boundError(null), '');
});

test("failure time is run_at minus graphile-worker's backoff for that attempt, never in the future", () => {
  const now = 1_700_000_000_000;
  // attempt 1 failed at now: run_at = now + e^1 s
  assert.equal(failureTime(now + Math.exp(1) * 1000, 1, now + 5000), now);
  // the backoff is capped at attempt 10
  assert.equal(failureTime(now + Math.exp(10) * 1000, 25, now + 1e9), now);
  assert.equal(failureTime(now + 60_000, 1, now), now);
  // A run's failure comes after the job's last change (fail_job leaves updated_at alone): dated as before.
  assert.equal(failureTime(now + Math.exp(1) * 1000, 1, now + 5000, now - 60_000), now);
  // Failed by hand: run_at kept, updated_at moved. Worked back it lands before the change, or after now: the change.
  assert.equal(failureTime(now - 1000, 25, now + 5000, now), now);
  assert.equal(failureTime(now + 600_000, 3, now + 5000, now), now);
  // A fresh failure read by a console whose clock is a little behind the database's is no failure by hand.
  assert.equal(failureTime(now + 5000 + Math.exp(1) * 1000, 1, now, now - 60_000), now);
});

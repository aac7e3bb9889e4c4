import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inputNote, inputProblem, type ActionInputs } from '../../src/renderer/src/views/jobs/action-inputs.ts';

const inputs = (over: Partial<ActionInputs>): ActionInputs => ({
  runAt: null,
  message: '',
  priority: 0,
  force: false,
  perMinute: null,
  transientOnly: false,
  ...over,
});

test("a retry's values the engine would refuse are named before the operator confirms", () => {
  assert.equal(inputProblem('retry', inputs({})), null);
  assert.equal(inputProblem('retry', inputs({ runAt: '2027-03-01T09:00:00.000Z', perMinute: 100 })), null);
  assert.equal(inputProblem('retry', inputs({ perMinute: 1_000_000 })), null);
  for (const perMinute of [0, -5, 1.5, NaN, 1_000_001]) {
    assert.equal(
      inputProblem('retry', inputs({ perMinute })),
      'Release gradually: jobs a minute is a whole number from 1 to 1,000,000',
      `${perMinute} a minute`,
    );
  }
  assert.equal(
    inputProblem('retry', inputs({ runAt: '9999-06-01T00:00:00.000Z' })),
    'At: a run time must be before 9999-01-01 (where paused jobs are parked)',
  );
  assert.equal(inputProblem('retry', inputs({ runAt: 'not a time' })), 'At: pick a date and time');
  // "At" chosen and its field cleared: no time, named (an earlier form kept its last time, an hour later, unseen).
  assert.equal(inputProblem('retry', inputs({ runAt: '' })), 'At: pick a date and time');
  // Other actions take none of these values.
  assert.equal(inputProblem('cancel', inputs({ perMinute: 0 })), null);
});

test('a retry at a time already past is sent, with a note that the jobs are due at once', () => {
  const now = Date.parse('2026-12-06T12:00:00.000Z');
  assert.equal(
    inputNote('retry', inputs({ runAt: '2001-01-01T10:00:00.000Z' }), now),
    'At: this time has passed, so the jobs are due at once (as with Now)',
  );
  assert.equal(inputNote('retry', inputs({ runAt: '2026-12-06T13:00:00.000Z' }), now), null);
  // The minute being typed is not "past" yet.
  assert.equal(inputNote('retry', inputs({ runAt: '2026-12-06T11:59:30.000Z' }), now), null);
  assert.equal(inputNote('retry', inputs({ runAt: null }), now), null);
  assert.equal(inputNote('retry', inputs({ runAt: '' }), now), null);
  assert.equal(inputNote('cancel', inputs({ runAt: '2001-01-01T10:00:00.000Z' }), now), null);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobEventBatch } from '../../src/engine/runner/thread/job-event-batch.ts';

test("the runner thread's job events: a job begun and ended between two sends is not sent; ends go before starts", () => {
  const batch = new JobEventBatch();
  batch.add('start', '1', 'quick');
  batch.add('success', '1', 'quick');
  batch.add('start', '2', 'long');
  assert.deepEqual(batch.take(), [{ kind: 'start', job: { id: '2', task: 'long' } }]);
  assert.deepEqual(batch.take(), [], 'taken once');
  // Job 2 (sent as started) ends and its next attempt starts before the next send: the end first, so the console
  // lists the new attempt as running.
  batch.add('error', '2', 'long');
  batch.add('start', '2', 'long');
  batch.add('start', '3', 'long');
  batch.add('cancelled', '3', 'long');
  assert.deepEqual(batch.take(), [
    { kind: 'error', job: { id: '2', task: 'long' } },
    { kind: 'start', job: { id: '2', task: 'long' } },
  ]);
});

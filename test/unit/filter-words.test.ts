import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeFilter } from '../../src/renderer/src/views/jobs/job-filter-url.ts';
import { formatDateTime } from '../../src/renderer/src/format.ts';

test('a confirmation names the filter as the views do: error types by their label, time ranges with their times', () => {
  assert.equal(
    describeFilter({ states: ['failed'], tasks: ['generate_insight'], errorType: 'rate_limit' }),
    'permanently failed · generate_insight · Rate limit',
  );
  const from = '2026-12-06T09:00:00.000Z';
  const to = '2026-12-06T10:00:00.000Z';
  assert.equal(
    describeFilter({ createdFrom: from, createdTo: to, runAtTo: to }),
    `created ${formatDateTime(from)} to ${formatDateTime(to)} · run at until ${formatDateTime(to)}`,
  );
  assert.equal(describeFilter({ runAtFrom: from }), `run at from ${formatDateTime(from)}`);
  // A type the console does not know (a custom rule's) is named as it is.
  assert.equal(describeFilter({ errorType: 'my_custom_type' }), 'my custom type');
});

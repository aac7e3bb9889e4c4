import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readableInputMessage } from '../../src/renderer/src/api/readable-input.ts';

test('a refused input reads as words on screen: no operation name, fields counted from 1', () => {
  const cases: [string, string][] = [
    [
      'Invalid input for alerts.rules.set: rules.1.abovePercent: a share cannot exceed 100%',
      'Rule 2, above percent: a share cannot exceed 100%',
    ],
    [
      'Invalid input for usage.prices.set: prices.0.inputPerMillion: must be a number, not a string',
      'Price 1, input per million: must be a number, not a string',
    ],
    [
      'Invalid input for backfill.import: document.format: expected "jobdeck.backfill-rules"; document.rules.0.query: too long',
      'Document, format: expected "jobdeck.backfill-rules"; document, rule 1, query: too long',
    ],
    ['Invalid input for jobs.retry: input: expected object', 'Input: expected object'],
    // Not a refusal of the input's shape: left as the engine said it.
    ['Two rules have the id "x": rule ids must be unique', 'Two rules have the id "x": rule ids must be unique'],
  ];
  for (const [engine, shown] of cases) assert.equal(readableInputMessage(engine), shown);
});

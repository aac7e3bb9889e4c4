import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readableInputMessage } from '../../src/renderer/src/api/readable-input.ts';
import { asNewRule } from '../../src/renderer/src/views/alerts/alerts-format.ts';

test('a refused input reads as words on screen: no operation name, fields counted from 1', () => {
  const cases: [string, string][] = [
    [
      'Invalid input for alerts.rules.set: rules.1.abovePercent: a share cannot exceed 100%',
      'Rule 2, above (%): a share cannot exceed 100%',
    ],
    [
      'Invalid input for usage.prices.set: prices.0.inputPerMillion: must be a number, not a string',
      // As the form labels the field, and without "not a string" (a text field holds nothing else).
      'Price 1, input (USD per million tokens): must be a number',
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

test('a refusal of a rule being added names it "the new rule" each time, not once and then "rule 3"', () => {
  const shown = readableInputMessage(
    'Invalid input for alerts.rules.set: rules.0.above: cannot be negative; rules.0.forMinutes: must be at most 1,440',
  );
  assert.equal(shown, 'Rule 1, above: cannot be negative; rule 1, for (minutes): must be at most 1,440');
  assert.equal(asNewRule(shown, 1), 'The new rule, above: cannot be negative; the new rule, for (minutes): must be at most 1,440');
  assert.equal(asNewRule('Rule 12, above: x', 1), 'Rule 12, above: x');
});

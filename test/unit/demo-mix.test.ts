import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIX } from '../../src/renderer/src/components/demo-mix.ts';
import { errorTypeInfo } from '../../src/renderer/src/views/jobs/jobs-format.ts';
import type { FailureMixSettings } from '../../src/shared/model/demo.ts';
import { classifyError } from '../../src/shared/errors/index.ts';
import { apiErrorMessage, invalidJsonMessage, missingFieldsMessage, timeoutMessage } from '../../src/engine/demo/llm-client.ts';
import { BAD_GATEWAY_MESSAGE, OVERLOADED_MESSAGE, QUOTA_MESSAGE, SERVER_ERROR_MESSAGE } from '../../src/engine/demo/fake-llm.ts';

// The demo bar's sliders say under which error type the Failures view files each kind of simulated failure: true
// of the messages the demo's client really raises for each.
const RAISED: Record<keyof FailureMixSettings, string[]> = {
  quota: [apiErrorMessage(429, QUOTA_MESSAGE)],
  timeout: [timeoutMessage(30_000)],
  invalidJson: [invalidJsonMessage(new SyntaxError('Unexpected token \'S\', "Sure! Here"... is not valid JSON'))],
  missingFields: [missingFieldsMessage(['summary', 'topics'])],
  serverError: [
    apiErrorMessage(500, SERVER_ERROR_MESSAGE),
    apiErrorMessage(502, BAD_GATEWAY_MESSAGE),
    apiErrorMessage(503, OVERLOADED_MESSAGE),
  ],
};

test('each demo failure slider names the error type its failures are filed under', () => {
  assert.deepEqual(MIX.map((m) => m.key).sort(), Object.keys(RAISED).sort(), 'every kind of the mix has a slider');
  for (const { key, filedAs } of MIX) for (const message of RAISED[key]) assert.equal(classifyError(message), filedAs, message);
  assert.deepEqual(
    MIX.map((m) => errorTypeInfo(m.filedAs).label),
    ['Rate limit', 'Timeout', 'Invalid JSON', 'Parse error', 'Provider error'],
  );
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../../src/engine/pg/embedded.ts';
import { mergeMix, QUOTA_MESSAGE, startFakeLlm, type FailureMix, type FakeLlm } from '../../src/engine/demo/fake-llm.ts';
import {
  apiErrorMessage,
  CANCELLED_MESSAGE,
  chatJson,
  LlmError,
  missingFieldsMessage,
  networkErrorMessage,
  timeoutMessage,
  type LlmConfig,
} from '../../src/engine/demo/llm-client.ts';

const NO_FAILURES: FailureMix = { quota: 0, timeout: 0, invalidJson: 0, missingFields: 0, serverError: 0 };
const only = (kind: keyof FailureMix): FailureMix => ({ ...NO_FAILURES, [kind]: 1 });

const REQUEST = {
  system: 'You are a news analyst.',
  user: 'Northwind raises $40M to expand its logistics platform. The round will fund growth in Europe.',
  requiredFields: ['summary', 'sentiment', 'topics', 'importance'],
};

/** Resolves with the error `promise` rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error, `expected an Error, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('fake LLM + client', () => {
  let fake: FakeLlm;
  let config: LlmConfig;

  before(async () => {
    fake = await startFakeLlm({ latencyMs: [1, 5], mix: NO_FAILURES, seed: 42 });
    config = { baseUrl: fake.baseUrl, apiKey: fake.apiKey, model: 'gpt-4o-mini', timeoutMs: 2000 };
  });
  after(() => fake.close());

  test('success returns every required field, derived from the input', async () => {
    fake.setMix(NO_FAILURES);
    assert.match(fake.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const answer = await chatJson(config, REQUEST);
    assert.deepEqual(Object.keys(answer).sort(), [...REQUEST.requiredFields].sort());
    assert.equal(typeof answer.summary, 'string');
    assert.match(String(answer.summary), /Northwind/);
    assert.equal(answer.sentiment, 'positive');
    assert.ok(Array.isArray(answer.topics) && answer.topics.length > 0);
    assert.ok(Number.isInteger(answer.importance));
    assert.deepEqual(await chatJson(config, REQUEST), answer, 'same input, same answer');
  });

  test('the response has the OpenAI chat.completion shape', async () => {
    fake.setMix(NO_FAILURES);
    const response = await fetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'Return JSON with fields: "title".' }] }),
    });
    const body = (await response.json()) as {
      id: string;
      object: string;
      model: string;
      choices: { index: number; message: { role: string; content: string }; finish_reason: string }[];
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'm1');
    assert.match(body.id, /^chatcmpl-/);
    assert.equal(body.choices[0].index, 0);
    assert.equal(body.choices[0].message.role, 'assistant');
    assert.equal(body.choices[0].finish_reason, 'stop');
    assert.deepEqual(Object.keys(JSON.parse(body.choices[0].message.content) as object), ['title']);
    assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);

    const models = await fetch(`${fake.baseUrl}/models`, { headers: { authorization: `Bearer ${fake.apiKey}` } });
    assert.equal(((await models.json()) as { object: string }).object, 'list');
    assert.equal((await fetch(`${fake.baseUrl}/models`)).status, 401);
  });

  test('quota: 429 with the OpenAI message', async () => {
    fake.setMix(only('quota'));
    const error = await rejection(chatJson(config, REQUEST));
    assert.equal(error.message, apiErrorMessage(429, QUOTA_MESSAGE));
    assert.equal(error.message, `Error code: 429 - ${QUOTA_MESSAGE}`);
    assert.ok(error instanceof LlmError && error.status === 429 && error.kind === 'api');
  });

  test('server errors: 500, 502 or 503', async () => {
    fake.setMix(only('serverError'));
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const error = await rejection(chatJson(config, REQUEST));
      assert.match(error.message, /^Error code: 50[023] - \S/);
      seen.add(error.message);
    }
    assert.ok(seen.has('Error code: 503 - The server is overloaded or not ready yet.'), [...seen].join('\n'));
  });

  test('invalid JSON: prose or JSON cut off', async () => {
    fake.setMix(only('invalidJson'));
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const error = await rejection(chatJson(config, REQUEST));
      assert.match(error.message, /^Invalid JSON in model output: SyntaxError: /);
      assert.ok(error instanceof LlmError && error.kind === 'invalid_json');
      seen.add(/Unexpected token 'S'/.test(error.message) ? 'prose' : 'truncated');
    }
    assert.deepEqual([...seen].sort(), ['prose', 'truncated']);
  });

  test('missing fields', async () => {
    fake.setMix(only('missingFields'));
    for (let i = 0; i < 5; i++) {
      const error = await rejection(chatJson(config, REQUEST));
      assert.match(
        error.message,
        /^Could not extract structured output from API response: missing field\(s\) (sentiment|summary|topics|importance)/,
      );
    }
    assert.equal(missingFieldsMessage(['summary']), 'Could not extract structured output from API response: missing field(s) summary');
  });

  test('timeout: the client gives up after timeoutMs and the server lets go', async () => {
    fake.setMix(only('timeout'));
    // The fake server holds the request for up to 10 minutes: only the client's own timeout ends it, with this message.
    const error = await rejection(chatJson({ ...config, timeoutMs: 200 }, REQUEST));
    assert.equal(error.message, 'Request timeout after 0.2 seconds');
    assert.equal(error.message, timeoutMessage(200));
    assert.notEqual(error.name, 'AbortError');
    await waitFor(() => fake.stats().inFlight === 0);
  });

  test('abort via the caller signal: AbortError, at once, distinct from a timeout', async () => {
    fake.setMix(only('timeout'));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('operator cancelled')), 50);
    // The request is held for minutes and the timeout is 10 s: a cancellation message, not a timeout's, means the abort ended it.
    const error = await rejection(chatJson({ ...config, timeoutMs: 10_000 }, REQUEST, { signal: controller.signal }));
    assert.equal(error.name, 'AbortError');
    assert.equal(error.message, CANCELLED_MESSAGE);
    assert.match(error.message, /cancelled/i);
    await waitFor(() => fake.stats().inFlight === 0);

    const already = await rejection(chatJson(config, REQUEST, { signal: AbortSignal.abort() }));
    assert.equal(already.name, 'AbortError');
  });

  test('wrong API key: 401 with the OpenAI message', async () => {
    fake.setMix(NO_FAILURES);
    const error = await rejection(chatJson({ ...config, apiKey: 'sk-wrong-key-1234' }, REQUEST));
    assert.match(error.message, /^Error code: 401 - Incorrect API key provided: sk-\*\*\*1234\. /);
    const none = await rejection(chatJson({ ...config, apiKey: '' }, REQUEST));
    assert.match(none.message, /^Error code: 401 - You didn't provide an API key/);
  });

  test('stats count requests by outcome', async () => {
    // A server of its own: the counts are this test's alone, whichever tests ran before.
    const own = await startFakeLlm({ latencyMs: [1, 5], mix: NO_FAILURES, seed: 7 });
    try {
      const ownConfig = { ...config, baseUrl: own.baseUrl, apiKey: own.apiKey };
      for (let i = 0; i < 3; i++) await chatJson(ownConfig, REQUEST);
      own.setMix(only('quota'));
      await rejection(chatJson(ownConfig, REQUEST));
      own.setMix(NO_FAILURES);
      for (const apiKey of ['sk-wrong-key-1234', '', 'sk-other-5678']) await rejection(chatJson({ ...ownConfig, apiKey }, REQUEST));
      const stats = own.stats();
      assert.equal(stats.requests, 7);
      assert.deepEqual([stats.byOutcome.ok, stats.byOutcome.quota, stats.byOutcome.unauthorized], [3, 1, 3]);
      assert.equal(stats.inFlight, 0);
    } finally {
      await own.close();
    }
  });
});

test("network failure keeps Node's message and the cause", async () => {
  const port = await freePort();
  const config = { baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'k', model: 'm', timeoutMs: 2000 };
  const error = await rejection(chatJson(config, REQUEST));
  assert.equal(error.message, `fetch failed (connect ECONNREFUSED 127.0.0.1:${port})`);
  assert.equal(networkErrorMessage(new Error('plain')), 'plain');
});

test('close() ends held requests', async () => {
  const fake = await startFakeLlm({ mix: only('timeout') });
  const config = { baseUrl: fake.baseUrl, apiKey: fake.apiKey, model: 'm', timeoutMs: 30_000 };
  const pending = rejection(chatJson(config, REQUEST));
  await waitFor(() => fake.stats().inFlight === 1);
  await fake.close();
  // Held for minutes, with a 30 s client timeout: a closed socket, not a timeout, means close() ended the request.
  const error = await pending;
  assert.match(error.message, /^fetch failed|other side closed|socket/i);
  assert.doesNotMatch(error.message, /timeout/i);
  assert.equal(fake.stats().inFlight, 0);
});

test('mix values are checked and scaled to at most 1 in total', () => {
  assert.throws(() => mergeMix(NO_FAILURES, { quota: 1.5 }), RangeError);
  assert.throws(() => mergeMix(NO_FAILURES, { quota: Number.NaN }), RangeError);
  const scaled = mergeMix(only('quota'), { timeout: 1 });
  assert.equal(scaled.quota + scaled.timeout, 1);
});

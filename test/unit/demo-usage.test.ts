import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usageOf, type ChatRequest } from '../../src/engine/demo/fake-wire.ts';

// The simulated provider's token counts follow the prompt's and the answer's length, per model, like a real bill.

const request = (model: string, system: string, user: string): ChatRequest => ({
  model,
  messages: [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ],
  requiredFields: [],
});

test('tokens grow with the prompt and the answer, and differ by model', () => {
  const short = usageOf(request('gpt-4o-mini', 'Be brief.', 'Hello'), '{"a":1}');
  const long = usageOf(request('gpt-4o-mini', 'Be brief.', 'Hello '.repeat(500)), '{"a":1}'.repeat(50));
  assert.ok(long.prompt_tokens > short.prompt_tokens * 30, `${long.prompt_tokens} vs ${short.prompt_tokens}`);
  assert.ok(long.completion_tokens > short.completion_tokens * 30);
  assert.equal(long.total_tokens, long.prompt_tokens + long.completion_tokens);
  const claude = usageOf(request('claude-3-5-haiku', 'Be brief.', 'Hello '.repeat(500)), '{"a":1}'.repeat(50));
  assert.ok(claude.prompt_tokens > long.prompt_tokens, 'Claude’s tokenizer cuts finer');
});

test('a long system prompt, identical on every call, is partly served from the cache', () => {
  const u = usageOf(request('gpt-4o-mini', 'You are a careful analyst. '.repeat(40), 'Event'), '{}');
  assert.ok(u.prompt_tokens_details.cached_tokens > 0 && u.prompt_tokens_details.cached_tokens % 64 === 0);
  assert.ok(u.prompt_tokens_details.cached_tokens <= u.prompt_tokens);
  assert.equal(usageOf(request('gpt-4o-mini', 'Short.', 'Event'), '{}').prompt_tokens_details.cached_tokens, 0);
});

/** The OpenAI chat-completions wire format, as the simulated provider reads and writes it. */
import { randomBytes } from 'node:crypto';

/** An OpenAI-style error body: `{"error":{"message","type","param","code"}}`. */
export function errorBody(message: string, type: string, code: string | number | null): string {
  return JSON.stringify({ error: { message, type, param: null, code } });
}

/** The parts of a chat-completions request the fake uses. */
export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  /** Field names the answer should have: from a json_schema's `required`, else from the prompt text. */
  requiredFields: string[];
}

type RawRequest = {
  model?: unknown;
  messages: { role?: unknown; content?: unknown }[];
  response_format?: { json_schema?: { schema?: { required?: unknown } } };
};

/**
 * Reads the request like a model would: the field names come from the prompt, e.g.
 * `... with these fields: "summary", "topics".` Returns null when the body is not a chat request.
 */
export function parseChatRequest(raw: string): ChatRequest | null {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { messages?: unknown }).messages)) return null;
  const b = body as RawRequest;
  const messages = b.messages.map((m) => ({
    role: typeof m.role === 'string' ? m.role : 'user',
    content: typeof m.content === 'string' ? m.content : '',
  }));
  const schemaRequired = b.response_format?.json_schema?.schema?.required;
  let requiredFields = Array.isArray(schemaRequired) ? schemaRequired.map(String) : [];
  if (requiredFields.length === 0) {
    const listed = messages.map((m) => m.content.match(/fields?:\s*((?:"[^"]+"[\s,]*)+)/i)?.[1]).find(Boolean);
    requiredFields = [...(listed ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  }
  return { model: typeof b.model === 'string' ? b.model : 'gpt-4o-mini', messages, requiredFields };
}

/** Characters per token by model family: Claude's tokenizer cuts English text a little finer than OpenAI's o200k. */
export function charsPerToken(model: string): number {
  return model.startsWith('claude') ? 3.5 : 4;
}

/** Tokens of a text for a model (what the provider would bill), at least one. */
export const tokensOf = (text: string, model: string): number => Math.max(1, Math.ceil(text.length / charsPerToken(model)));

/**
 * Token usage of one request and answer, as a provider reports it: the prompt's tokens (plus a few per message for
 * the chat template), the answer's, and the part of the prompt served from the provider's cache: the system
 * prompt, identical on every call of a task, in whole blocks of 64 tokens once it is long enough (OpenAI caches
 * prefixes of 1,024 tokens and more; the demo's prompts are short, so it is scaled down to show).
 */
export function usageOf(request: ChatRequest, content: string) {
  const prompt_tokens = request.messages.reduce((n, m) => n + tokensOf(m.content, request.model) + 4, 3);
  const system = request.messages.find((m) => m.role === 'system');
  const systemTokens = system ? tokensOf(system.content, request.model) : 0;
  const cached_tokens = systemTokens >= 64 ? Math.floor(systemTokens / 64) * 64 : 0;
  const completion_tokens = tokensOf(content, request.model);
  return {
    prompt_tokens,
    completion_tokens,
    total_tokens: prompt_tokens + completion_tokens,
    prompt_tokens_details: { cached_tokens },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

/** A `chat.completion` response body with its token usage (see usageOf). */
export function completionBody(request: ChatRequest, content: string, finishReason: 'stop' | 'length'): string {
  return JSON.stringify({
    id: `chatcmpl-${randomBytes(12).toString('base64url')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finishReason }],
    usage: usageOf(request, content),
    system_fingerprint: 'fp_jobdeck_fake',
  });
}

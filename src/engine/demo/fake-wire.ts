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

/** A `chat.completion` response body with token usage estimated at four characters a token. */
export function completionBody(request: ChatRequest, content: string, finishReason: 'stop' | 'length'): string {
  const promptChars = request.messages.reduce((n, m) => n + m.content.length, 0);
  const prompt_tokens = Math.ceil(promptChars / 4);
  const completion_tokens = Math.ceil(content.length / 4);
  return JSON.stringify({
    id: `chatcmpl-${randomBytes(12).toString('base64url')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finishReason }],
    usage: { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens },
    system_fingerprint: 'fp_jobdeck_fake',
  });
}

/**
 * The one OpenAI-compatible chat-completions client of the demo pipeline (OpenAI, Mistral, Ollama's `/v1`, the fake).
 * Its error messages mimic what real clients print, because the console classifies failures by `last_error` text.
 */

/** Where and how to call the model. `baseUrl` ends with `/v1` (e.g. `https://api.openai.com/v1`). */
export interface LlmConfig {
  baseUrl: string;
  apiKey: string;
  model: string;
  timeoutMs: number;
  /** A model per task (the simulated provider answers for any): the demo's usage then spans a few models. */
  modelsByTask?: Record<string, string>;
  /** The simulated provider: it bills a generation the client's timeout cut off (see tasks.ts). */
  simulated?: boolean;
}

/** What a provider's answer says of its cost: the model that answered, its token counts and its raw text. */
export interface LlmResponseInfo {
  model: string;
  inputTokens?: number;
  outputTokens?: number;
  cachedInputTokens?: number;
  reasoningTokens?: number;
  /** The message content as the model wrote it (what failed to parse, when it did). */
  content: string | null;
}

export interface ChatJsonRequest {
  system: string;
  user: string;
  /** Field names the JSON answer must contain (non-null); also listed in the prompt for the model. */
  requiredFields: string[];
}

export type LlmErrorKind = 'api' | 'timeout' | 'network' | 'bad_response' | 'invalid_json' | 'missing_fields';

/** A failed call; `kind` and `status` are for code, the message is for people and `last_error`. */
export class LlmError extends Error {
  override name = 'LlmError';
  constructor(
    message: string,
    readonly kind: LlmErrorKind,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const CANCELLED_MESSAGE = 'Cancelled: the job was aborted';
const EXTRACT_PREFIX = 'Could not extract structured output from API response';

/** `Error code: 429 - You exceeded your current quota, ...` (the OpenAI Python client's wording). */
export function apiErrorMessage(status: number, detail: string): string {
  return `Error code: ${status} - ${detail}`;
}

/** `Request timeout after 30 seconds`: the client's own timeout, never the caller's cancel. */
export function timeoutMessage(timeoutMs: number): string {
  return `Request timeout after ${Number((timeoutMs / 1000).toFixed(3))} seconds`;
}

/** `Invalid JSON in model output: SyntaxError: Unexpected token 'S', "Sure! Here"... is not valid JSON`. */
export function invalidJsonMessage(parseError: unknown): string {
  return `Invalid JSON in model output: ${String(parseError)}`;
}

/** `Could not extract structured output from API response: missing field(s) summary, topics`. */
export function missingFieldsMessage(fields: readonly string[]): string {
  return `${EXTRACT_PREFIX}: missing field(s) ${fields.join(', ')}`;
}

/** Keeps Node's own wording and adds the cause fetch hides: `fetch failed (connect ECONNREFUSED 127.0.0.1:1234)`. */
export function networkErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? error.cause : undefined;
  if (!(cause instanceof Error)) return message;
  // Connecting to "localhost" tries ::1 and 127.0.0.1: the cause is then an AggregateError with an empty message.
  const inner: unknown = cause instanceof AggregateError && !cause.message ? (cause.errors[0] as unknown) : cause;
  const detail = inner instanceof Error ? inner.message || (inner as NodeJS.ErrnoException).code : undefined;
  return detail ? `${message} (${detail})` : message;
}

/** The error thrown when the caller's signal aborts: name `AbortError`, so a runner can tell a cancel from a failure. */
export function cancelledError(reason?: unknown): Error {
  const error = new Error(CANCELLED_MESSAGE, { cause: reason });
  error.name = 'AbortError';
  return error;
}

/** The sentence that tells the model (and the fake provider) which fields to return. */
export function fieldsInstruction(fields: readonly string[]): string {
  return `Respond with a single JSON object with these fields: ${fields.map((f) => `"${f}"`).join(', ')}. Output only the JSON object.`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The human part of an error body: OpenAI `{error:{message}}`, Ollama `{error}`, Mistral `{message}`, proxies `{detail}`. */
function errorDetail(bodyText: string, statusText: string): string {
  try {
    const body: unknown = JSON.parse(bodyText);
    if (isRecord(body)) {
      if (typeof body.error === 'string') return body.error;
      if (isRecord(body.error) && typeof body.error.message === 'string') return body.error.message;
      if (typeof body.message === 'string') return body.message;
      if (typeof body.detail === 'string') return body.detail;
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  const text = bodyText.trim();
  // An HTML error page from a proxy says nothing useful beyond its status.
  return text && !text.startsWith('<') ? text.slice(0, 300) : statusText || 'Unknown error';
}

/** Models served by Ollama and others sometimes wrap the JSON in a Markdown fence despite the instruction. */
function stripCodeFence(content: string): string {
  const fenced = content.trim().match(/^```(?:json)?\s*\n([\s\S]*?)\n?```$/);
  return fenced ? fenced[1] : content;
}

function parseCompletion(bodyText: string, requiredFields: readonly string[]): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(bodyText) as unknown;
  } catch (error) {
    throw new LlmError(`Invalid response from API: ${String(error)}`, 'bad_response');
  }
  const choice: unknown = isRecord(body) && Array.isArray(body.choices) ? body.choices[0] : undefined;
  const message = isRecord(choice) && isRecord(choice.message) ? choice.message : undefined;
  if (typeof message?.refusal === 'string' && message.refusal) {
    throw new LlmError(`${EXTRACT_PREFIX}: the model refused: ${message.refusal}`, 'bad_response');
  }
  if (typeof message?.content !== 'string') throw new LlmError(`${EXTRACT_PREFIX}: no message content`, 'bad_response');
  let output: unknown;
  try {
    output = JSON.parse(stripCodeFence(message.content));
  } catch (error) {
    throw new LlmError(invalidJsonMessage(error), 'invalid_json');
  }
  if (!isRecord(output)) throw new LlmError(`${EXTRACT_PREFIX}: expected a JSON object`, 'invalid_json');
  const missing = requiredFields.filter((field) => output[field] === undefined || output[field] === null);
  if (missing.length > 0) throw new LlmError(missingFieldsMessage(missing), 'missing_fields');
  return output;
}

/**
 * Asks the model for a JSON object (response_format json_object) and checks the required fields are present.
 * One attempt only: retries belong to the job queue. Throws LlmError, or an AbortError when `signal` aborts.
 */
export async function chatJson(
  config: LlmConfig,
  request: ChatJsonRequest,
  options: { signal?: AbortSignal; model?: string; onResponse?: (info: LlmResponseInfo) => void } = {},
): Promise<Record<string, unknown>> {
  const model = options.model ?? config.model;
  const { signal } = options;
  if (signal?.aborted) throw cancelledError(signal.reason);
  // Own controller rather than AbortSignal.any: it tells our timeout from the caller's abort, and the listener on
  // the caller's (possibly long-lived, pool-wide) signal is removed afterwards so nothing piles up on it.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, config.timeoutMs);
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });

  let response: Response;
  let bodyText: string;
  try {
    response = await fetch(`${config.baseUrl.replace(/\/+$/, '')}/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model,
        messages: [
          { role: 'system', content: `${request.system}\n\n${fieldsInstruction(request.requiredFields)}` },
          { role: 'user', content: request.user },
        ],
        response_format: { type: 'json_object' },
        temperature: 0.2,
      }),
      signal: controller.signal,
    });
    bodyText = await response.text(); // the body read is covered by the same timeout and abort
  } catch (error) {
    if (signal?.aborted) throw cancelledError(signal.reason);
    if (timedOut) throw new LlmError(timeoutMessage(config.timeoutMs), 'timeout');
    throw new LlmError(networkErrorMessage(error), 'network', undefined, { cause: error });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  if (!response.ok) {
    throw new LlmError(apiErrorMessage(response.status, errorDetail(bodyText, response.statusText)), 'api', response.status);
  }
  // The answer was generated, so it was billed, whether it parses or not: report it before judging it.
  const info = responseInfo(bodyText, model);
  if (info) options.onResponse?.(info);
  return parseCompletion(bodyText, request.requiredFields);
}

const count = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** The usage and raw text of a chat-completions body (OpenAI's shape); null when it is not one. */
function responseInfo(bodyText: string, requested: string): LlmResponseInfo | null {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return null;
  }
  if (!isRecord(body)) return null;
  const usage = isRecord(body.usage) ? body.usage : {};
  const prompt = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  const completion = isRecord(usage.completion_tokens_details) ? usage.completion_tokens_details : {};
  const choice: unknown = Array.isArray(body.choices) ? body.choices[0] : undefined;
  const message = isRecord(choice) && isRecord(choice.message) ? choice.message : undefined;
  return {
    model: typeof body.model === 'string' ? body.model : requested,
    inputTokens: count(usage.prompt_tokens),
    outputTokens: count(usage.completion_tokens),
    cachedInputTokens: count(prompt.cached_tokens),
    reasoningTokens: count(completion.reasoning_tokens),
    content: typeof message?.content === 'string' ? message.content : null,
  };
}

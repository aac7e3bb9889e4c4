/** Token counts, cost and latency of the LLM calls of one attempt, as the task reports them. */
export interface UsageNumbers {
  /** The model that answered (bounded to 200 characters). The last one given in an attempt is kept. */
  model: string;
  /** e.g. 'openai', 'anthropic' (OpenTelemetry `gen_ai.provider.name`). */
  provider?: string;
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache (a subset of inputTokens). */
  cachedInputTokens?: number;
  /** Reasoning ("thinking") tokens (a subset of outputTokens for most providers). */
  reasoningTokens?: number;
  costUsd?: number;
  /** Latency to the first streamed token; the first value given in an attempt is kept. */
  timeToFirstTokenMs?: number;
}

/**
 * What `recordUsage` accepts: the numbers, or a provider's raw response (`rawOutput`) to read them from
 * (OpenAI chat/responses or Anthropic messages shape), or both (explicit numbers win over what is read).
 */
export type UsageInput = (UsageNumbers & { rawOutput?: unknown }) | (Partial<UsageNumbers> & { rawOutput: unknown });

/** Sums of one attempt; null where nothing was reported. */
export interface UsageTotals {
  model: string | null;
  provider: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  reasoningTokens: number | null;
  costUsd: number | null;
  timeToFirstTokenMs: number | null;
}

export const MAX_TOKENS = 1e12;
export const MAX_COST_USD = 1e6;
export const MAX_TTFT_MS = 24 * 3600 * 1000;
export const MAX_MODEL_LENGTH = 200;
export const MAX_PROVIDER_LENGTH = 100;

export function emptyTotals(): UsageTotals {
  return {
    model: null,
    provider: null,
    inputTokens: null,
    outputTokens: null,
    cachedInputTokens: null,
    reasoningTokens: null,
    costUsd: null,
    timeToFirstTokenMs: null,
  };
}

/**
 * Adds one report to the totals. Returns the names of the fields refused (negative, NaN, fractional token
 * counts, absurd values, non-numbers): they are skipped, the rest is kept.
 */
export function addUsage(totals: UsageTotals, input: Partial<UsageNumbers>): string[] {
  const refused: string[] = [];
  const count = (name: keyof UsageNumbers, value: unknown, current: number | null): number | null => {
    if (value === undefined || value === null) return current;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_TOKENS) {
      refused.push(name);
      return current;
    }
    return (current ?? 0) + value;
  };
  totals.inputTokens = count('inputTokens', input.inputTokens, totals.inputTokens);
  totals.outputTokens = count('outputTokens', input.outputTokens, totals.outputTokens);
  totals.cachedInputTokens = count('cachedInputTokens', input.cachedInputTokens, totals.cachedInputTokens);
  totals.reasoningTokens = count('reasoningTokens', input.reasoningTokens, totals.reasoningTokens);
  if (input.costUsd !== undefined && input.costUsd !== null) {
    const c = input.costUsd;
    if (typeof c !== 'number' || !Number.isFinite(c) || c < 0 || c > MAX_COST_USD) refused.push('costUsd');
    else totals.costUsd = (totals.costUsd ?? 0) + c;
  }
  if (input.timeToFirstTokenMs !== undefined && input.timeToFirstTokenMs !== null) {
    const t = input.timeToFirstTokenMs;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > MAX_TTFT_MS) refused.push('timeToFirstTokenMs');
    else totals.timeToFirstTokenMs ??= t;
  }
  if (input.model !== undefined && input.model !== null) {
    if (typeof input.model !== 'string' || input.model.length === 0) refused.push('model');
    else totals.model = cleanText(input.model, MAX_MODEL_LENGTH);
  }
  if (input.provider !== undefined && input.provider !== null) {
    if (typeof input.provider !== 'string' || input.provider.length === 0) refused.push('provider');
    else totals.provider = cleanText(input.provider, MAX_PROVIDER_LENGTH);
  }
  return refused;
}

/** Strings bound for Postgres: no NUL (text cannot hold it), no lone surrogates (json cannot), bounded length. */
export function cleanText(value: string, max: number): string {
  let s = value.length > max ? value.slice(0, max) : value;
  if (s.includes('\u0000')) s = s.replaceAll('\u0000', '');
  return LONE_SURROGATE.test(s) ? s.replace(LONE_SURROGATE_G, '\uFFFD') : s;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATE_G = new RegExp(LONE_SURROGATE.source, 'g');

type Bag = Record<string, unknown>;

const isBag = (v: unknown): v is Bag => typeof v === 'object' && v !== null;

/**
 * Reads usage from a provider response: OpenAI chat completions (`usage.prompt_tokens`, `completion_tokens`,
 * `prompt_tokens_details.cached_tokens`, `completion_tokens_details.reasoning_tokens`), OpenAI responses
 * (`usage.input_tokens`, `output_tokens`, `input_tokens_details.cached_tokens`,
 * `output_tokens_details.reasoning_tokens`) and Anthropic messages (`usage.input_tokens`, `output_tokens`,
 * `cache_read_input_tokens`). Needs a `model` string beside `usage`; returns null for anything else.
 */
export function usageFromResponse(value: unknown): Partial<UsageNumbers> | null {
  if (!isBag(value)) return null;
  const usage = value.usage;
  const model = value.model;
  if (!isBag(usage) || typeof model !== 'string') return null;
  const out: Partial<UsageNumbers> = { model };
  if ('prompt_tokens' in usage || 'completion_tokens' in usage) {
    out.provider = 'openai';
    out.inputTokens = usage.prompt_tokens as number;
    out.outputTokens = usage.completion_tokens as number;
    const pd = usage.prompt_tokens_details;
    const cd = usage.completion_tokens_details;
    if (isBag(pd) && pd.cached_tokens != null) out.cachedInputTokens = pd.cached_tokens as number;
    if (isBag(cd) && cd.reasoning_tokens != null) out.reasoningTokens = cd.reasoning_tokens as number;
    return out;
  }
  if ('input_tokens' in usage || 'output_tokens' in usage) {
    out.inputTokens = usage.input_tokens as number;
    out.outputTokens = usage.output_tokens as number;
    if ('cache_read_input_tokens' in usage || value.type === 'message' || model.startsWith('claude')) {
      out.provider = 'anthropic';
      if (usage.cache_read_input_tokens != null) out.cachedInputTokens = usage.cache_read_input_tokens as number;
    } else {
      out.provider = 'openai';
      const id = usage.input_tokens_details;
      const od = usage.output_tokens_details;
      if (isBag(id) && id.cached_tokens != null) out.cachedInputTokens = id.cached_tokens as number;
      if (isBag(od) && od.reasoning_tokens != null) out.reasoningTokens = od.reasoning_tokens as number;
    }
    return out;
  }
  return null;
}

/** Where a thrown error may carry a provider response: itself, or its `response`, `cause` or `result`. */
export function usageFromError(error: unknown): { source: object; usage: Partial<UsageNumbers> } | null {
  if (!isBag(error)) return null;
  for (const candidate of [error, error.response, error.cause, error.result]) {
    const usage = usageFromResponse(candidate);
    if (usage) return { source: candidate as object, usage };
  }
  return null;
}

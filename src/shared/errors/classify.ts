/**
 * Maps an LLM job's error message (graphile-worker `last_error`, or one failed
 * attempt's message) to an error type. Pure TypeScript: also bundled into the renderer.
 *
 * Rules are regexes tried in order; the first match wins. User rules come first,
 * then BUILTIN_RULES, then `other`.
 */
import { z } from 'zod';
import { RE2JS } from 're2js';
import { translateRule } from './rule-dialect.ts';
import {
  BUILTIN_ERROR_TYPES,
  OTHER_ERROR_TYPE,
  TYPE_VERDICTS,
  isBuiltinErrorType,
  type BuiltinErrorType,
  type ErrorTypeInfo,
  type TypeVerdict,
} from './types.ts';

/**
 * Only the first 8 KiB (8192 UTF-16 code units) of a message is classified.
 * - What identifies an error (exception class, status code, provider error code) is at the
 *   start; what follows is stack traces and echoed payloads (raw model output, the prompt,
 *   pydantic's `input_value`), where words like "safety" or "timeout" are noise, not signal.
 * - `last_error` can be megabytes. The renderer classifies thousands of rows, so the cost
 *   per message must be bounded, and a bounded input also bounds how long any user regex
 *   can backtrack.
 */
export const MAX_CLASSIFY_CHARS = 8 * 1024;

/** Longest accepted user pattern (regex source). */
export const MAX_PATTERN_LENGTH = 500;

/** One classification rule. `pattern` is regex source, tested against the message head. */
export interface ErrorRule {
  id: string;
  /** Regex source, e.g. `out of memory|CUDA OOM`. */
  pattern: string;
  /** Flags of the rule dialect; default `'i'` (ASCII letters either case). Only i, m, s and u are allowed. */
  flags?: string;
  /** Error type slug: a built-in one (to extend it, or `other` to silence a built-in) or a new one. */
  type: string;
  /** Label for a new type; ignored for built-in types. */
  label?: string;
  /** `#rrggbb` colour for a new type; ignored for built-in types. */
  color?: string;
  /** `false` skips the rule. Default true. */
  enabled?: boolean;
  /**
   * Whether a retry of this type is likely to help: for a new type, its verdict (default `unknown`); for a built-in
   * type, it replaces the built-in verdict. The first rule of a type that names one wins.
   */
  verdict?: TypeVerdict;
}

/** A compiled set of rules. Never throws. */
export interface Classifier {
  /** The type of `message`; `other` for null, empty or unmatched messages. */
  classify(message: string | null | undefined): string;
  /** Built-in types (in legend order), then custom types from user rules in rule order. */
  types(): ErrorTypeInfo[];
  /** The retry verdict of a type (see TypeVerdict): the operator's rules first, then the built-in one, else `unknown`. */
  verdictOf(type: string): TypeVerdict;
  /** User rules that failed validation and were skipped, with the reason. */
  readonly rejected: ReadonlyArray<{ id: string; message: string }>;
}

const DEFAULT_FLAGS = 'i';

/**
 * Finds a quantified group that itself contains a variable-length repeat, such as
 * `(a+)+`, `(\w*\s?)*` or `(x{2,})+`: the classic source of exponential backtracking.
 * Returns the offending snippet, or undefined. A heuristic, deliberately conservative: it
 * also rejects some safe patterns like `(\d+\.)+`, and it does not catch overlapping
 * alternations such as `(a|a)*`; the input cap bounds the damage of what it misses.
 */
export function findNestedQuantifier(pattern: string): string | undefined {
  // One frame per open group: where it starts and whether it contains a variable repeat.
  const stack: { start: number; hasRepeat: boolean }[] = [{ start: 0, hasRepeat: false }];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    let closed: { start: number; hasRepeat: boolean } | undefined;
    if (c === '(') {
      stack.push({ start: i, hasRepeat: false });
      // Skip the `?` of `(?:`, `(?=`, `(?<name>`... so it is not read as a quantifier.
      i += pattern[i + 1] === '?' ? 3 : 1;
      continue;
    } else if (c === '\\') {
      i += 2;
    } else if (c === '[') {
      // A character class is one atom; skip to its closing bracket.
      i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === ')' && stack.length > 1) {
      closed = stack.pop();
      i++;
    } else {
      i++;
    }
    const q = readQuantifier(pattern, i);
    const top = stack[stack.length - 1];
    if (closed?.hasRepeat) {
      if (q && q.max > 1) return pattern.slice(closed.start, q.end);
      top.hasRepeat = true;
    }
    if (q) {
      if (q.max > 1 && q.max > q.min) top.hasRepeat = true;
      i = q.end;
    }
  }
  return undefined;
}

const BRACES = /\{(\d+)(?:(,)(\d*))?\}/y;

/** Reads a quantifier at `i` (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, optionally lazy). */
function readQuantifier(src: string, i: number): { min: number; max: number; end: number } | undefined {
  let q: { min: number; max: number; end: number } | undefined;
  const c = src[i];
  if (c === '*') q = { min: 0, max: Infinity, end: i + 1 };
  else if (c === '+') q = { min: 1, max: Infinity, end: i + 1 };
  else if (c === '?') q = { min: 0, max: 1, end: i + 1 };
  else if (c === '{') {
    BRACES.lastIndex = i;
    const m = BRACES.exec(src);
    if (m) {
      const min = Number(m[1]);
      const max = m[2] ? (m[3] ? Number(m[3]) : Infinity) : min;
      q = { min, max, end: BRACES.lastIndex };
    }
  }
  if (q && src[q.end] === '?') q.end++;
  return q;
}

/**
 * Validates a user-supplied rule. Rejects, with a message meant for the settings UI:
 * patterns outside the rule dialect (rule-dialect.ts: what RE2 and Postgres read alike), longer than 500
 * characters, or matching the empty string; non-slug types; colours other than `#rrggbb`; flags other than
 * i, m, s and u.
 */
export const errorRuleSchema = z
  .object({
    id: z.string().min(1, 'id is required').max(100, 'id must be at most 100 characters'),
    pattern: z.string().min(1, 'pattern is required').max(MAX_PATTERN_LENGTH, `pattern must be at most ${MAX_PATTERN_LENGTH} characters`),
    flags: z
      .string()
      .regex(/^[imsu]*$/, 'flags may only contain i, m, s and u (g and y make matching stateful)')
      .optional(),
    type: z
      .string()
      .regex(
        /^[a-z][a-z0-9_]{0,39}$/,
        'type must be a slug: a lowercase letter, then lowercase letters, digits or _ (at most 40 characters), e.g. "gpu_oom"',
      ),
    label: z.string().trim().min(1, 'label must not be empty').max(60, 'label must be at most 60 characters').optional(),
    color: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, 'color must be a hex colour like #1a2b3c')
      .optional(),
    enabled: z.boolean().optional(),
    verdict: z.enum(TYPE_VERDICTS, { message: `verdict must be one of ${TYPE_VERDICTS.join(', ')}` }).optional(),
  })
  .superRefine((rule, ctx) => {
    // One dialect for the console (RE2: linear time) and Postgres: refused unless both can mean the same.
    const compiled = compileUserPattern(rule.pattern, rule.flags ?? DEFAULT_FLAGS);
    if ('reason' in compiled) {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: `pattern is not a valid regular expression: ${compiled.reason}` });
      return;
    }
    if (compiled.test('')) {
      ctx.addIssue({
        code: 'custom',
        path: ['pattern'],
        message: 'pattern matches an empty string, so it would match every message; make it more specific',
      });
    }
  });

/** An operator's pattern compiled by RE2 from its dialect translation (see rule-dialect.ts), or why it cannot be. */
function compileUserPattern(pattern: string, flags: string): { test: (text: string) => boolean } | { reason: string } {
  const translated = translateRule(pattern, flags);
  if (!translated.ok) return { reason: translated.reason };
  try {
    const re = RE2JS.compile(translated.re2, translated.multiline ? RE2JS.MULTILINE : 0);
    return { test: (text) => re.test(text) };
  } catch (error) {
    // RE2's own message names the problem (an unclosed group, a missing argument to a repeat), then quotes the
    // pattern as translated for it (each letter of a case-insensitive rule as a class): that quote is left out, as
    // the operator never wrote it.
    const message = String((error as Error).message)
      .replace(/^error parsing regexp: /, '')
      .replace(/: `[\s\S]*`$/, '');
    return { reason: message };
  }
}

/**
 * Builds a status-code matcher that only fires where a number is evidently an HTTP status
 * (`Error code: 429`, `Status 429`, `status_code=429`, `'code': 429`, `HTTP/1.1 429`,
 * `RateLimitError: 429 ...`, or a leading `429 ...` as the OpenAI JS SDK prints it).
 * A bare `\b429\b` would misfire on token counts, ports and JSON positions.
 */
function status(codes: string): string {
  return `(?:^|(?:error|code|status|http(?:/[\\d.]+)?)\\W{0,4})(?:${codes})\\b`;
}

function rule(id: string, type: BuiltinErrorType, alternatives: string[]): ErrorRule {
  return { id, type, pattern: alternatives.join('|') };
}

/**
 * Built-in rules, case-insensitive, first match wins. The order is the design:
 *
 * 1. Specific provider error codes whose messages carry misleading numbers or words
 *    (context length: token counts; content filter codes).
 * 2. Transport and HTTP-status signals: rate_limit, auth, timeout, network. They say why
 *    the request failed, even when a JSON parse error of an HTML error page follows.
 *    rate_limit precedes timeout/provider_error: a 429 saying "overloaded" or "retry after
 *    20 seconds" is a rate limit. timeout precedes network and cancelled: `fetch failed`
 *    caused by a connect timeout, or an abort fired by a timer ("The operation was
 *    aborted due to timeout"), is a timeout, whose fix differs from a deliberate cancel.
 * 3. Payload problems: invalid_json before parse_error (a structured-output failure that is
 *    really a JSON syntax error, e.g. pydantic `Invalid JSON`, is the more specific).
 * 4. Plain English words that also occur in echoed model output, and so come last:
 *    cancelled ("aborted" also appears in network errors like "Connection aborted."),
 *    content-filter words ("safety", "flagged"), and generic provider failures.
 *
 * Unmatched, e.g. Ollama's `model "llama3" not found, try pulling it first` (a 404
 * configuration error, not a transient provider fault) → `other`.
 */
export const BUILTIN_RULES: readonly ErrorRule[] = Object.freeze([
  rule('builtin.context_length', 'context_length', [
    'context[_ ]length[_ ]exceeded',
    'maximum context length', // OpenAI "This model's maximum context length is 8192 tokens"
    'context window',
    'prompt is too long', // Anthropic
    'too large for model', // Mistral
    'exceeds the maximum number of tokens', // Gemini
  ]),
  rule('builtin.content_filter', 'content_filter', [
    'content[_ ]?filter', // Azure code `content_filter`, finish_reason
    'content management policy',
    'content[_ ]?policy[_ ]?violation',
    '(?:finish|block)_?reason\\W{0,4}safety', // Gemini
  ]),
  rule('builtin.rate_limit', 'rate_limit', [
    status('429'),
    'too many requests',
    'rate[ _-]?limit', // RateLimitError, rate_limit_exceeded, rate_limit_error, "Rate limit reached"
    'quota(?!tion)', // insufficient_quota, "exceeded your current quota"; not "quotation"
    'resource[ _]?(?:has been )?exhausted', // Google RESOURCE_EXHAUSTED
    'throttl', // AWS ThrottlingException
  ]),
  rule('builtin.auth', 'auth', [
    status('401|403'),
    'unauthori[sz]ed',
    '\\bforbidden\\b',
    'authentication_?error',
    'permission_?denied',
    'permission_error', // Anthropic
    'invalid_api_key',
    '(?:incorrect|invalid|missing|no) (?:x-)?api[ _-]?key',
    'api_key client option must be set',
  ]),
  rule('builtin.timeout', 'timeout', [
    'timeout', // "Request timeout after 300 seconds", APITimeoutError, ReadTimeout, TimeoutError
    'timed[ _-]?out', // "Request timed out.", ETIMEDOUT, ESOCKETTIMEDOUT
    '\\btime[ -]out\\b', // nginx "504 Gateway Time-out"
    'deadline[ _]?exceeded', // gRPC / Google DEADLINE_EXCEEDED
    status('504'),
  ]),
  rule('builtin.network', 'network', [
    '\\bE(?:CONNREFUSED|CONNRESET|CONNABORTED|NOTFOUND|AI_AGAIN|HOSTUNREACH|NETUNREACH|PIPE)\\b',
    'fetch failed',
    'socket hang up',
    'connection (?:error|refused|reset|aborted|closed)', // OpenAI "Connection error.", Python errno text
    'APIConnectionError',
    '\\bConnectError\\b', // httpx
    'getaddrinfo',
    'name or service not known',
    'name resolution',
    'network is unreachable',
    'server disconnected',
  ]),
  rule('builtin.invalid_json', 'invalid_json', [
    'JSONDecodeError', // Python json / json.decoder.JSONDecodeError
    'Expecting (?:value|property name)', // Python json, when printed without the class
    'Unexpected .{0,80}\\bJSON\\b', // JS "Unexpected token < in JSON", "Unexpected end of JSON input"
    'is not valid JSON', // newer V8
    'JSON\\.parse', // Firefox, explicit wrappers
    'invalid json', // pydantic json_invalid, LangChain "Invalid json output"
    'EOF while parsing', // serde_json / pydantic-core
  ]),
  rule('builtin.parse_error', 'parse_error', [
    'structured output', // "Could not extract structured output from API response"
    'OutputParserException', // LangChain
    'validation ?errors?\\b', // pydantic "1 validation error for Insight", jsonschema ValidationError
    'missing (?:required )?field',
    'field required',
    'ZodError',
    'InstructorRetryException',
  ]),
  rule('builtin.cancelled', 'cancelled', [
    'AbortError',
    'APIUserAbortError',
    'cancell?ed', // cancelled, canceled, CancelledError, Go "context canceled" (Ollama)
    '\\baborted\\b',
  ]),
  rule('builtin.content_filter_words', 'content_filter', ['\\bflagged\\b', '\\bsafety\\b', '\\bmoderation\\b']),
  rule('builtin.provider_error', 'provider_error', [
    status('5\\d\\d'),
    'overloaded', // Anthropic overloaded_error (529)
    'internal[ _]?server[ _]?error',
    'bad gateway',
    'service unavailable',
    'server_error',
    '\\bapi_error\\b',
    '\\bAPIError\\b', // openai.APIError: a server-side failure with no more specific class
    'upstream connect error',
    'server had an error',
  ]),
]);

interface CompiledRule {
  test(text: string): boolean;
  type: string;
}

/** Built-in rules are ours, reviewed for backtracking, and run on JavaScript's faster engine. */
function compileBuiltin(r: ErrorRule): CompiledRule {
  const re = new RegExp(r.pattern, r.flags ?? DEFAULT_FLAGS);
  return { test: (text) => re.test(text), type: r.type };
}

// Built-ins are compiled once, at module load, and shared by every classifier.
const COMPILED_BUILTINS: readonly CompiledRule[] = BUILTIN_RULES.map(compileBuiltin);

// Colours for custom types without one; chosen by hash so a type keeps its colour
// when rules are reordered. Kept apart from the built-in palette where possible.
const CUSTOM_COLORS = ['#8DD3C7', '#BEBADA', '#FDB462', '#80B1D3', '#FCCDE5', '#B3DE69', '#FFED6F', '#BC80BD'];

function colorFor(type: string): string {
  let h = 0;
  for (let i = 0; i < type.length; i++) h = (h * 31 + type.charCodeAt(i)) >>> 0;
  return CUSTOM_COLORS[h % CUSTOM_COLORS.length];
}

function humanize(type: string): string {
  const words = type.replace(/_+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Compiles user rules (tried first, in order) plus the built-ins into a Classifier.
 * Each user rule is validated with `errorRuleSchema`; an invalid one is skipped and listed
 * in `rejected` rather than thrown, so one bad setting cannot break the console.
 * Disabled rules (`enabled: false`) are ignored.
 */
export function compileClassifier(userRules?: readonly ErrorRule[]): Classifier {
  const rejected: { id: string; message: string }[] = [];
  const userCompiled: CompiledRule[] = [];
  // Custom types in order of first appearance; the first explicit label/colour wins.
  const custom = new Map<string, { id: string; label?: string; color?: string }>();
  // Verdicts the operator's rules give, by type; the first rule that names one wins.
  const verdicts = new Map<string, TypeVerdict>();

  // Rules come from settings on disk: check each as untrusted input, whatever the declared type says.
  const candidates: readonly unknown[] = Array.isArray(userRules) ? userRules : [];
  for (const candidate of candidates) {
    const fields: { enabled?: unknown; id?: unknown } = typeof candidate === 'object' && candidate !== null ? candidate : {};
    if (fields.enabled === false) continue;
    const parsed = errorRuleSchema.safeParse(candidate);
    if (!parsed.success) {
      const id = typeof fields.id === 'string' ? fields.id : '';
      rejected.push({ id, message: parsed.error.issues.map((i) => i.message).join('; ') });
      continue;
    }
    const r = parsed.data;
    const compiled = compileUserPattern(r.pattern, r.flags ?? DEFAULT_FLAGS);
    if ('reason' in compiled) continue; // the schema above refused it already
    userCompiled.push({ test: (text) => compiled.test(text), type: r.type });
    if (r.verdict && !verdicts.has(r.type)) verdicts.set(r.type, r.verdict);
    if (isBuiltinErrorType(r.type)) continue; // built-in types keep their look everywhere
    const seen = custom.get(r.type);
    if (!seen) custom.set(r.type, { id: r.id, label: r.label, color: r.color });
    else {
      seen.label ??= r.label;
      seen.color ??= r.color;
    }
  }
  const customTypes: ErrorTypeInfo[] = [...custom].map(([type, c]) => ({
    type,
    label: c.label ?? humanize(type),
    color: c.color ?? colorFor(type),
    description: `Custom type (rule "${c.id}").`,
    verdict: 'unknown',
  }));
  const builtinVerdict = new Map<string, TypeVerdict>(BUILTIN_ERROR_TYPES.map((t) => [t.type, t.verdict]));
  const verdictOf = (type: string): TypeVerdict => verdicts.get(type) ?? builtinVerdict.get(type) ?? 'unknown';

  const rules = [...userCompiled, ...COMPILED_BUILTINS];
  return {
    rejected,
    classify(message) {
      if (typeof message !== 'string' || message.length === 0) return OTHER_ERROR_TYPE;
      const head = message.length > MAX_CLASSIFY_CHARS ? message.slice(0, MAX_CLASSIFY_CHARS) : message;
      for (const r of rules) {
        try {
          if (r.test(head)) return r.type;
        } catch {
          // A regex can still blow the stack on odd input; treat as no match.
        }
      }
      return OTHER_ERROR_TYPE;
    },
    verdictOf,
    types() {
      return [...BUILTIN_ERROR_TYPES, ...customTypes].map((t) => ({ ...t, verdict: verdictOf(t.type) }));
    },
  };
}

const DEFAULT_CLASSIFIER = compileClassifier();

/** Classifies `message` with the built-in rules only. Never throws; `other` if unmatched. */
export function classifyError(message: string | null | undefined): BuiltinErrorType {
  return DEFAULT_CLASSIFIER.classify(message) as BuiltinErrorType;
}

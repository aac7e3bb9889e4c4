/**
 * Built-in error types for LLM jobs. Pure data, shared by the engine and the renderer.
 *
 * Colours are meant for a dark background. The first ones come from the Okabe–Ito
 * colour-blind-safe palette; the others differ in lightness as well as hue, so most
 * pairs stay apart under common colour-vision deficiencies. `other` is a neutral grey
 * so that unclassified errors don't stand out more than classified ones.
 */

/** How one error type is shown (chip, chart legend, tooltip). */
export interface ErrorTypeInfo {
  /** Slug stored in history rows and filters, e.g. `rate_limit`. */
  type: string;
  /** Short human label for chips and legends. */
  label: string;
  /** `#rrggbb` colour, readable on a dark background. */
  color: string;
  /** One sentence for tooltips: what the type means and what usually fixes it. */
  description: string;
  /** Whether retrying an error of this type is likely to help (see verdict.ts); the operator's rules may change it. */
  verdict: TypeVerdict;
}

/**
 * What an error type says of a retry, before the job's attempts are looked at:
 * - transient: the provider or the network was in the way (rate limit, timeout, 5xx, network): a retry, later, helps;
 *   even the same message on every attempt says so (a 429 reads the same each time);
 * - permanent: the request itself is refused (auth, context length, content filter): retrying it as is won't help;
 * - varies: the model's answer did not parse: it varies between attempts, so a retry may help, unless every attempt
 *   failed with this same type (the model answers the same way to this input);
 * - unknown: nothing says (no rule matched, a cancel, a custom type without a verdict), unless every attempt failed
 *   with the identical text: then a retry as is won't help either.
 */
export const TYPE_VERDICTS = ['transient', 'permanent', 'varies', 'unknown'] as const;
export type TypeVerdict = (typeof TYPE_VERDICTS)[number];

/** The built-in error types, in legend order. `other` is always last. */
export const BUILTIN_ERROR_TYPES = [
  {
    type: 'rate_limit',
    label: 'Rate limit',
    color: '#E69F00',
    description: 'HTTP 429 or quota exhausted. Back off, lower concurrency or raise the plan limits.',
    verdict: 'transient',
  },
  {
    type: 'timeout',
    label: 'Timeout',
    color: '#F0E442',
    description: 'The request or a gateway timed out (including 504). Raise the timeout or shrink the work.',
    verdict: 'transient',
  },
  {
    type: 'parse_error',
    label: 'Parse error',
    color: '#C39BD3',
    description: 'The model answered, but its output did not fit the expected structure or schema.',
    verdict: 'varies',
  },
  {
    type: 'invalid_json',
    label: 'Invalid JSON',
    color: '#A6D854',
    description: 'A response body or model output was not syntactically valid JSON.',
    verdict: 'varies',
  },
  {
    type: 'context_length',
    label: 'Context length',
    color: '#6C8EF5',
    description: "The prompt exceeds the model's context window. Retrying won't help; chunk or trim the input.",
    verdict: 'permanent',
  },
  {
    type: 'content_filter',
    label: 'Content filter',
    color: '#1FB58F',
    description: "The provider's safety or content-management policy blocked the prompt or the answer.",
    verdict: 'permanent',
  },
  {
    type: 'auth',
    label: 'Auth',
    color: '#FF7AB6',
    description: 'HTTP 401/403: missing, invalid or unauthorised API key or permissions.',
    verdict: 'permanent',
  },
  {
    type: 'provider_error',
    label: 'Provider error',
    color: '#EE6677',
    description: 'The provider failed (5xx, overloaded, internal error). Usually transient.',
    verdict: 'transient',
  },
  {
    type: 'network',
    label: 'Network',
    color: '#56B4E9',
    description: 'The provider could not be reached: connection refused or reset, DNS failure.',
    verdict: 'transient',
  },
  {
    type: 'cancelled',
    label: 'Cancelled',
    color: '#D9B38C',
    description: 'The request was aborted or cancelled deliberately (operator, shutdown, abort signal).',
    verdict: 'unknown',
  },
  {
    type: 'other',
    label: 'Other',
    color: '#8A8F98',
    description: 'No rule matched this message.',
    verdict: 'unknown',
  },
] as const satisfies readonly ErrorTypeInfo[];

/** Slug of a built-in error type. */
export type BuiltinErrorType = (typeof BUILTIN_ERROR_TYPES)[number]['type'];

/** The fallback type for empty or unrecognised messages. */
export const OTHER_ERROR_TYPE = 'other' satisfies BuiltinErrorType;

const BUILTIN_TYPE_SET: ReadonlySet<string> = new Set(BUILTIN_ERROR_TYPES.map((t) => t.type));

/** True if `type` is one of the built-in slugs. */
export function isBuiltinErrorType(type: string): type is BuiltinErrorType {
  return BUILTIN_TYPE_SET.has(type);
}

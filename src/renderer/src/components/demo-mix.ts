import type { FailureMixSettings } from '../../../shared/model/demo.ts';
import type { BuiltinErrorType } from '../../../shared/errors/types.ts';

/** Each kind of failure the simulated provider makes, and the error type the Failures view files it under. */
export const MIX: { key: keyof FailureMixSettings; label: string; hint: string; filedAs: BuiltinErrorType }[] = [
  { key: 'quota', label: 'Quota 429', hint: 'HTTP 429: rate limit or quota exhausted', filedAs: 'rate_limit' },
  { key: 'timeout', label: 'Timeout', hint: 'The provider does not answer in time', filedAs: 'timeout' },
  { key: 'invalidJson', label: 'Invalid JSON', hint: 'The model answers with output that is not JSON', filedAs: 'invalid_json' },
  { key: 'missingFields', label: 'Missing fields', hint: 'Valid JSON without the fields the task needs', filedAs: 'parse_error' },
  { key: 'serverError', label: '5xx', hint: 'HTTP 500/503 from the provider', filedAs: 'provider_error' },
];

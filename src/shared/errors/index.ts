/** Error taxonomy for LLM jobs: built-in types, rules and the classifier. */
export {
  BUILTIN_ERROR_TYPES,
  OTHER_ERROR_TYPE,
  TYPE_VERDICTS,
  isBuiltinErrorType,
  type BuiltinErrorType,
  type ErrorTypeInfo,
  type TypeVerdict,
} from './types.ts';
export {
  MIN_REPEATED_ATTEMPTS,
  judgeRetry,
  leftOutReason,
  typeVerdictKind,
  type RetryVerdict,
  type RetryVerdictKind,
  type SeenFailure,
  type VerdictRule,
} from './verdict.ts';
export {
  BUILTIN_RULES,
  MAX_CLASSIFY_CHARS,
  MAX_PATTERN_LENGTH,
  classifyError,
  compileClassifier,
  errorRuleSchema,
  findNestedQuantifier,
  type Classifier,
  type ErrorRule,
} from './classify.ts';
export { MAX_RETRY_AFTER_MS, parseDelay, parseRetryAfter } from './retry-after.ts';

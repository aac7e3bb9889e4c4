/** Error taxonomy for LLM jobs: built-in types, rules and the classifier. */
export { BUILTIN_ERROR_TYPES, OTHER_ERROR_TYPE, isBuiltinErrorType, type BuiltinErrorType, type ErrorTypeInfo } from './types.ts';
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

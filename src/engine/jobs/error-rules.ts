import { BUILTIN_RULES, compileClassifier, errorRuleSchema, type ErrorRule } from '../../shared/errors/index.ts';
import type { Db } from '../store/db.ts';
import { historySettings } from '../history/settings.ts';

/**
 * The rules an error type is judged by everywhere in the explorer: the operator's own (edited in the Failures
 * view, kept in SQLite), then the built-ins; so a custom type clicked in a chart filters the job list too.
 */
export function errorRules(db: Db): ErrorRule[] {
  const own = historySettings(db)
    .rules()
    .filter((r) => r.enabled !== false && errorRuleSchema.safeParse(r).success);
  return [...own, ...BUILTIN_RULES];
}

/** The classifier for list rows, with the operator's rules first. */
export function rowClassifier(db: Db): (message: string) => string {
  const classifier = compileClassifier(historySettings(db).rules());
  return (message) => classifier.classify(message);
}

import { BUILTIN_RULES, MAX_CLASSIFY_CHARS, OTHER_ERROR_TYPE, type ErrorRule } from '../../shared/errors/index.ts';

/**
 * Translates a JavaScript rule pattern to a Postgres ARE: the rule patterns use `\b` (word boundary), which is
 * `\y` in Postgres (where `\b` is a backspace). `(?p)` makes `.` not match a newline, as in JavaScript.
 */
export function toPostgresRegex(source: string): string {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\' && i + 1 < source.length) {
      const next = source[i + 1];
      out += next === 'b' ? '\\y' : `\\${next}`;
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

const anyOf = (rules: readonly ErrorRule[]) => `(?p)${rules.map((r) => `(?:${toPostgresRegex(r.pattern)})`).join('|')}`;

/**
 * A SQL condition on `j.last_error` true exactly when the classifier would give `type`: first match wins, so a
 * message is of type T when it matches a rule of T and no earlier rule of another type. Patterns travel as
 * parameters (pushed onto `params`), never spliced into the SQL. Like the classifier, only the first
 * MAX_CLASSIFY_CHARS characters are looked at. Case-insensitive, as the built-in rules are.
 */
export function errorTypeCondition(type: string, params: unknown[], rules: readonly ErrorRule[] = BUILTIN_RULES): string {
  const head = `left(j.last_error, ${MAX_CLASSIFY_CHARS})`;
  const enabled = rules.filter((r) => r.enabled !== false);
  const param = (value: string) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (type === OTHER_ERROR_TYPE) {
    return `(j.last_error is null or j.last_error = '' or not (${head} ~* ${param(anyOf(enabled))}))`;
  }
  const branches: string[] = [];
  enabled.forEach((rule, index) => {
    if (rule.type !== type) return;
    const earlier = enabled.slice(0, index).filter((r) => r.type !== type);
    const match = `${head} ~* ${param(anyOf([rule]))}`;
    branches.push(earlier.length ? `(${match} and not ${head} ~* ${param(anyOf(earlier))})` : `(${match})`);
  });
  // A type no rule produces matches nothing.
  return branches.length ? `(j.last_error is not null and (${branches.join(' or ')}))` : 'false';
}

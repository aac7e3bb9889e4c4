import { BUILTIN_RULES, MAX_CLASSIFY_CHARS, OTHER_ERROR_TYPE, type ErrorRule } from '../../shared/errors/index.ts';
import { translateRule } from '../../shared/errors/rule-dialect.ts';

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

/**
 * One rule as a SQL condition on `head`. Built-in rules (ours, written in JavaScript's dialect) are translated as
 * above and matched case-insensitively, as the classifier does; an operator's rule goes through the rule dialect
 * (rule-dialect.ts), whose Postgres spelling already carries its case and line options.
 */
function ruleCondition(rule: ErrorRule, head: string, param: (value: string) => string): string {
  if (BUILTIN_RULES.includes(rule)) return `${head} ~* ${param(`(?p)${toPostgresRegex(rule.pattern)}`)}`;
  const translated = translateRule(rule.pattern, rule.flags ?? 'i');
  // A rule outside the dialect was refused when saved and is skipped by the classifier: it matches nothing here.
  return translated.ok ? `${head} ~ ${param(translated.postgres)}` : 'false';
}

/**
 * A SQL condition on `j.last_error` true exactly when the classifier would give `type`: first match wins, so a
 * message is of type T when it matches a rule of T and no earlier rule of another type. Patterns travel as
 * parameters (pushed onto `params`), never spliced into the SQL. Like the classifier, only the first
 * MAX_CLASSIFY_CHARS characters are looked at.
 */
export function errorTypeCondition(type: string, params: unknown[], rules: readonly ErrorRule[] = BUILTIN_RULES): string {
  const head = `left(j.last_error, ${MAX_CLASSIFY_CHARS})`;
  const enabled = rules.filter((r) => r.enabled !== false);
  const param = (value: string) => {
    params.push(value);
    return `$${params.length}`;
  };
  // Built-in rules share one regular expression (one pass over the text); each operator rule has its own.
  const anyOf = (some: readonly ErrorRule[]) => {
    const builtins = some.filter((r) => BUILTIN_RULES.includes(r));
    const parts = some.filter((r) => !BUILTIN_RULES.includes(r)).map((r) => ruleCondition(r, head, param));
    if (builtins.length) parts.push(`${head} ~* ${param(`(?p)${builtins.map((r) => `(?:${toPostgresRegex(r.pattern)})`).join('|')}`)}`);
    return parts.length ? `(${parts.join(' or ')})` : 'false';
  };
  if (type === OTHER_ERROR_TYPE) {
    return `(j.last_error is null or j.last_error = '' or not ${anyOf(enabled)})`;
  }
  const branches: string[] = [];
  enabled.forEach((rule, index) => {
    if (rule.type !== type) return;
    const earlier = enabled.slice(0, index).filter((r) => r.type !== type);
    const match = ruleCondition(rule, head, param);
    branches.push(earlier.length ? `(${match} and not ${anyOf(earlier)})` : `(${match})`);
  });
  // A type no rule produces matches nothing.
  return branches.length ? `(j.last_error is not null and (${branches.join(' or ')}))` : 'false';
}

/**
 * A SQL expression giving the type the classifier would give `j.last_error` (null when there is none): the rules
 * in order, first match wins, `other` when none matches. For grouping and screening many jobs by type at once
 * (a retry's verdicts) without sending their errors to the console.
 */
export function errorTypeCase(params: unknown[], rules: readonly ErrorRule[] = BUILTIN_RULES): string {
  const head = `left(j.last_error, ${MAX_CLASSIFY_CHARS})`;
  const param = (value: string) => {
    params.push(value);
    return `$${params.length}`;
  };
  const whens = rules.filter((r) => r.enabled !== false).map((r) => `when ${ruleCondition(r, head, param)} then ${param(r.type)}::text`);
  return `(case when j.last_error is null or j.last_error = '' then null::text ${whens.join(' ')} else '${OTHER_ERROR_TYPE}' end)`;
}

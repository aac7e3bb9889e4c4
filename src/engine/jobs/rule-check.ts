import type pg from 'pg';
import { OpError } from '../../shared/contract/index.ts';
import type { ErrorRule } from '../../shared/errors/index.ts';
import { translateRule } from '../../shared/errors/rule-dialect.ts';

/** Postgres' SQLSTATE for a regular expression it cannot use (too complex, among others). */
const INVALID_REGULAR_EXPRESSION = '2201B';

/**
 * Compiles each operator rule's Postgres spelling on the database once, before the rules are saved: a pattern RE2
 * takes may still be one Postgres refuses ("regular expression is too complex": a `\b`, an explicit lookaround
 * there, repeated many times), and every filter by error type would then fail until the rule went. Connection
 * trouble is not the rule's fault and does not refuse it.
 */
export async function refuseWhatPostgresCannotRun(db: Pick<pg.Pool, 'query'>, rules: readonly ErrorRule[]): Promise<void> {
  for (const rule of rules) {
    const translated = translateRule(rule.pattern, rule.flags ?? 'i');
    if (!translated.ok) continue; // refused (and said why) by the classifier already
    try {
      await db.query(`select '' ~ $1::text as ok`, [translated.postgres]);
    } catch (error) {
      const e = error as { code?: string; message?: string };
      if (e.code !== INVALID_REGULAR_EXPRESSION) return;
      throw new OpError(
        'invalid_input',
        `Rule "${rule.id}": Postgres cannot run this pattern (${e.message ?? 'invalid regular expression'}), so the Jobs filter by error ` +
          `type would fail: simplify it (fewer repeats of \\b or of alternatives); nothing was saved`,
      );
    }
  }
}

import type { AuditRecord } from './store/audit-repo.ts';

/** Keys whose values are secrets or carry them (a webhook URL's token, a connection string's password, a connection's extra parameters: sslpassword). */
const SECRET_KEY = /password|secret|token|url|connectionstring|header|apikey|params/i;
/** An input kept whole up to this size (JSON characters); a larger one keeps its scalars and its lists' sizes. */
const MAX_INPUT_CHARS = 4_000;

/** The input with every secret-bearing value replaced, and no key dropped: the entry still says it was set. */
function hideSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hideSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, v]) => [
      key,
      SECRET_KEY.test(key) && v !== null && v !== undefined && v !== '' ? '(hidden)' : hideSecrets(v),
    ]),
  );
}

/** A large input (a taxonomy of 200 rules, an imported document) is summarised: its lists by their sizes. */
function bounded(input: unknown): unknown {
  if (JSON.stringify(input).length <= MAX_INPUT_CHARS || input === null || typeof input !== 'object') return input;
  return Object.fromEntries(
    Object.entries(input as Record<string, unknown>).map(([key, v]) => [
      key,
      Array.isArray(v) ? { count: v.length } : v !== null && typeof v === 'object' ? '(not kept: too large)' : v,
    ]),
  );
}

/**
 * The audit entry of a settings change that succeeded (an operation whose contract declares `audit`): what was asked,
 * as validated, with its secrets hidden. The connection is the one the console was on (null when none).
 */
export function settingsAuditRecord(operation: string, input: unknown, connectionId: string | null): AuditRecord {
  return {
    connectionId,
    action: operation,
    target: { settings: operation },
    // No jobs asked for, changed or skipped: the counts of the log are of jobs.
    requested: 0,
    affected: 0,
    skipped: 0,
    detail: { input: bounded(hideSecrets(input)) },
    actor: 'operator',
  };
}

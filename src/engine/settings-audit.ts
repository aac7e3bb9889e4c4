import { isDeepStrictEqual } from 'node:util';
import type { SettingsAudit } from '../shared/contract/define.ts';
import type { AuditRecord } from './store/audit-repo.ts';

/**
 * Keys whose text values are secrets or carry them: a webhook URL's token, a connection string's password, a
 * connection's extra parameters, an API key or an Authorization header in a backfill rule's payload. Only text is
 * hidden: a flag (`savePassword`) or a count (`maxTokens`) is no secret, and reads as it is.
 */
const SECRET_KEY = /pass(word)?|secret|token|url|connectionstring|params|api[-_]?key|auth|credential|cookie|private[-_]?key/i;
/** Text that is a credential whatever its key: a bearer or basic header, a provider's key, a URL with a password. */
const SECRET_TEXT = /^(bearer|basic)\s|^(sk|pk|rk)-[\w-]{8,}|^xox[abpr]-|^gh[opsu]_|^[a-z][\w+.-]*:\/\/[^/\s:@]*:[^@\s]+@/i;
/** An input kept whole up to this size (JSON characters); a larger one keeps its scalars and its lists' sizes. */
const MAX_INPUT_CHARS = 4_000;

export const HIDDEN = '(hidden)';

/** The input with every secret replaced, and no key dropped: the entry still says it was set. */
function hideSecrets(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return value !== '' && (SECRET_KEY.test(key) || SECRET_TEXT.test(value.trim())) ? HIDDEN : value;
  if (Array.isArray(value)) return value.map((v) => hideSecrets(v, key));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, hideSecrets(v, k)]));
}

/** Whether a secret was given: its change cannot be seen in what the settings show (a webhook shows its origin alone). */
const holdsSecret = (value: unknown): boolean =>
  value === HIDDEN || (value !== null && typeof value === 'object' && Object.values(value).some(holdsSecret));

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

/** The setting in a read's answer: the picked field (`runner.concurrency`), or the whole answer without when it was saved. */
export function settingOf(spec: SettingsAudit, answer: unknown): unknown {
  if (spec.read?.pick) return spec.read.pick.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | null)?.[k], answer);
  return withoutSavedAt(answer);
}

function withoutSavedAt(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSavedAt);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([k]) => k !== 'updatedAt')
      .map(([k, v]) => [k, withoutSavedAt(v)]),
  );
}

/**
 * The name of what an input given by id changed (a backfill rule or a saved connection removed), found in the list
 * read before or after: the entry then says which one, where its id alone would tell an operator nothing.
 */
function subjectOf(input: unknown, change: SettingChange | undefined): string | null {
  const id = (input as { id?: unknown } | null)?.id;
  if (id === undefined || !change) return null;
  for (const list of [change.before, change.after]) {
    if (!Array.isArray(list)) continue;
    const item = (list as Array<{ id?: unknown; name?: unknown } | null>).find((i) => i?.id === id);
    if (typeof item?.name === 'string') return item.name;
  }
  return null;
}

/** The setting as read before and after the change; absent when it has no read, or a read failed. */
export interface SettingChange {
  before: unknown;
  after: unknown;
}

/**
 * The audit entry of a settings change that succeeded (an operation whose contract declares `audit`): what was asked,
 * as validated, with its secrets hidden, and a picked setting's value before and after. Null when the setting read
 * the same before and after (and no secret was given): nothing changed, nothing to record.
 */
export function settingsAuditRecord(
  operation: string,
  spec: SettingsAudit,
  input: unknown,
  connectionId: string | null,
  change?: SettingChange,
): AuditRecord | null {
  const shown = hideSecrets(input);
  if (change && isDeepStrictEqual(change.before, change.after) && !holdsSecret(shown)) return null;
  const scalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
  const values =
    change && spec.read?.pick && scalar(change.before) && scalar(change.after) ? { before: change.before, after: change.after } : {};
  const subject = subjectOf(input, change);
  return {
    connectionId: spec.perConnection ? connectionId : null,
    action: operation,
    target: { settings: operation },
    // No jobs asked for, changed or skipped: the counts of the log are of jobs.
    requested: 0,
    affected: 0,
    skipped: 0,
    detail: { input: bounded(shown), ...values, ...(subject ? { subject } : {}) },
    actor: 'operator',
  };
}

import { isDeepStrictEqual } from 'node:util';
import type { SettingsAudit } from '../shared/contract/define.ts';
import type { AuditRecord } from './store/audit-repo.ts';

/**
 * Keys whose text values are secrets or carry them: a webhook URL's token, a connection string's password, a
 * connection's extra parameters, an API key or an Authorization header in a backfill rule's payload. Only text is
 * hidden: a flag (`savePassword`) or a count (`maxTokens`) is no secret, and reads as it is.
 */
const SECRET_KEY = /pass(word)?|secret|token|url|connectionstring|params|api[-_]?key|auth|credential|cookie|private[-_]?key/i;
/**
 * Text that is a credential whatever its key, anywhere in it: an Authorization header's scheme, a provider's key
 * (OpenAI's and Stripe's sk-/sk_, Slack's xox*-, GitHub's tokens), a JWT, a URL with a password or with a
 * secret-bearing parameter, a Slack or Discord webhook.
 */
const SECRET_TEXT = new RegExp(
  [
    String.raw`^(bearer|basic|token)\s`,
    String.raw`\b(sk|pk|rk)[-_][\w-]{8,}`,
    String.raw`\bxox[abpr]-`,
    String.raw`\b(gh[opsu]_|github_pat_)`,
    String.raw`\beyJ[\w-]{8,}\.[\w-]{8,}\.`,
    String.raw`[a-z][\w+.-]*:\/\/[^/\s:@]*:[^@\s]+@`,
    String.raw`[?&](password|passwd|pwd|token|access_token|key|api_key|apikey|secret|sig|signature)=`,
    String.raw`hooks\.slack\.com\/|discord(app)?\.com\/api\/webhooks\/`,
  ].join('|'),
  'i',
);
/** A header or field given as `{ name, value }`: the value is as secret as the name says. */
const NAMED_VALUE = new Set(['value', 'val']);
/** An input kept whole up to this size (JSON characters); a larger one keeps its scalars and its lists' sizes. */
const MAX_INPUT_CHARS = 4_000;

export const HIDDEN = '(hidden)';

/** The input with every secret replaced, and no key dropped: the entry still says it was set. */
function hideSecrets(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return value !== '' && (SECRET_KEY.test(key) || SECRET_TEXT.test(value.trim())) ? HIDDEN : value;
  if (Array.isArray(value)) return value.map((v) => hideSecrets(v, key));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  // `{ name: 'Authorization', value: '…' }`: the value under the name's key.
  const named = entries.find(([k, v]) => (k === 'name' || k === 'header' || k === 'key') && typeof v === 'string')?.[1] as
    string | undefined;
  return Object.fromEntries(entries.map(([k, v]) => [k, hideSecrets(v, NAMED_VALUE.has(k) && named ? named : k)]));
}

/** Whether a secret was given: its change cannot be seen in what the settings show (a webhook shows its origin alone). */
const holdsSecret = (value: unknown): boolean =>
  value === HIDDEN || (value !== null && typeof value === 'object' && Object.values(value).some(holdsSecret));

/**
 * A large input (a taxonomy of 200 rules, an imported document) is summarised: its lists, at any depth, by their
 * sizes (`{ count }`); what is not a list is kept.
 */
function bounded(input: unknown): unknown {
  return JSON.stringify(input).length <= MAX_INPUT_CHARS ? input : listsCounted(input);
}

function listsCounted(value: unknown): unknown {
  if (Array.isArray(value)) return { count: value.length };
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, listsCounted(v)]));
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

/** A picked setting before and after as the entry shows it: a value as it is, a thing (a connection) by its name. */
function shownValues(change: SettingChange): { before?: unknown; after?: unknown } {
  const shown = (v: unknown): unknown =>
    v === null || ['string', 'number', 'boolean'].includes(typeof v)
      ? v
      : typeof (v as { name?: unknown }).name === 'string'
        ? (v as { name: string }).name
        : undefined;
  const [before, after] = [shown(change.before), shown(change.after)];
  return before === undefined || after === undefined ? {} : { before, after };
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
  failure?: unknown,
): AuditRecord | null {
  const shown = hideSecrets(input);
  const same = change !== undefined && isDeepStrictEqual(change.before, change.after);
  // A failed change is recorded only where the setting is seen to have changed all the same (saved, then the
  // runner could not restart): a refusal changes nothing.
  if (failure ? !change || same : same && !holdsSecret(shown)) return null;
  const values = change && spec.read?.pick ? shownValues(change) : {};
  const subject = subjectOf(input, change);
  return {
    connectionId: spec.perConnection ? connectionId : null,
    action: operation,
    target: { settings: operation },
    // No jobs asked for, changed or skipped: the counts of the log are of jobs.
    requested: 0,
    affected: 0,
    skipped: 0,
    detail: {
      input: bounded(shown),
      ...values,
      ...(subject ? { subject } : {}),
      ...(failure ? { error: (failure instanceof Error ? failure.message : 'it failed').slice(0, 500) } : {}),
    },
    actor: 'operator',
  };
}

import type { RuleDraft } from './rule-draft.ts';

export type DraftErrors = Partial<Record<keyof RuleDraft, string>>;

const WHOLE = /^-?\d+$/;

/**
 * Plain per-field messages, checked before the engine is called so the operator never reads a schema error.
 * A preview needs no name: only saving does. Mirrors the contract's rules (src/shared/contract/backfill.ts).
 */
export function draftErrors(d: RuleDraft, forSave: boolean): DraftErrors {
  const e: DraftErrors = {};
  if (forSave && !d.name.trim()) e.name = 'Required to save';
  if (!d.query.trim().replace(/;\s*$/, '')) e.query = 'Required: a SELECT whose first column is the item key';
  if (!d.task.trim()) e.task = 'Required';
  else if (/\s/.test(d.task.trim())) e.task = 'A task name has no spaces';
  if (!d.payloadKey.trim()) e.payloadKey = 'Required';
  if (/\s/.test(d.queue.trim())) e.queue = 'A queue name has no spaces';
  if (!d.jobKey.includes('{key}')) e.jobKey = 'Must contain {key}, or every item would share one job';
  const whole = (key: 'priority' | 'maxAttempts' | 'batchSize' | 'timeoutSeconds', min: number, max: number) => {
    const v = d[key].trim();
    if (!WHOLE.test(v) || Number(v) < min || Number(v) > max) e[key] = `A whole number from ${min} to ${max}`;
  };
  whole('priority', -32_768, 32_767);
  whole('maxAttempts', 1, 32_767);
  whole('batchSize', 1, 10_000);
  whole('timeoutSeconds', 1, 300);
  if (d.payloadExtra.trim()) {
    try {
      const v: unknown = JSON.parse(d.payloadExtra);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) e.payloadExtra = 'A JSON object, e.g. {"model": "gpt-4o-mini"}';
    } catch {
      e.payloadExtra = 'Not valid JSON; a JSON object, e.g. {"model": "gpt-4o-mini"}';
    }
  }
  return e;
}

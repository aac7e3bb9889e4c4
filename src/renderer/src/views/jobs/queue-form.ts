import type { OpInput } from '../../../../shared/contract/index.ts';

/** The "Queue jobs" form as typed: every field a string, as the inputs hold them. */
export interface QueueForm {
  mode: 'one' | 'batch';
  task: string;
  payload: string;
  jobKey: string;
  keyField: string;
  keys: string;
  queue: string;
  priority: string;
  runAt: string;
  maxAttempts: string;
}

export const EMPTY_QUEUE_FORM: QueueForm = {
  mode: 'one',
  task: '',
  payload: '{}',
  jobKey: '',
  keyField: 'id',
  keys: '',
  queue: '',
  priority: '',
  runAt: '',
  maxAttempts: '',
};

export type QueueRequest = { op: 'jobs.add'; input: OpInput<'jobs.add'> } | { op: 'jobs.addBatch'; input: OpInput<'jobs.addBatch'> };

/** Keys as pasted: one per line, or separated by commas or spaces; blanks dropped, order kept. */
export const splitKeys = (text: string): string[] =>
  text
    .split(/[\s,]+/)
    .map((k) => k.trim())
    .filter(Boolean);

/**
 * The operation the form asks for, or the first thing to fix. Only what the form itself can tell is checked here
 * (JSON that does not parse, a number that is not one); the engine validates the rest and its message is shown.
 */
export function queueRequest(form: QueueForm): QueueRequest | { error: string } {
  let payload: unknown;
  try {
    payload = JSON.parse(form.payload.trim() || '{}');
  } catch (error) {
    return { error: `The payload is not JSON: ${(error as Error).message}` };
  }
  const int = (text: string, what: string): number | undefined | { error: string } => {
    if (!text.trim()) return undefined;
    const n = Number(text);
    return Number.isInteger(n) ? n : { error: `${what} must be a whole number` };
  };
  const priority = int(form.priority, 'Priority');
  const maxAttempts = int(form.maxAttempts, 'Max attempts');
  for (const v of [priority, maxAttempts]) if (typeof v === 'object') return v;
  const runAt = form.runAt ? new Date(form.runAt) : null;
  if (runAt && Number.isNaN(runAt.getTime())) return { error: 'Run at is not a date' };
  const common = {
    task: form.task.trim(),
    ...(form.queue.trim() ? { queue: form.queue.trim() } : {}),
    ...(priority !== undefined ? { priority: priority as number } : {}),
    ...(maxAttempts !== undefined ? { maxAttempts: maxAttempts as number } : {}),
    ...(runAt ? { runAt: runAt.toISOString() } : {}),
  };
  if (form.mode === 'one') {
    return {
      op: 'jobs.add',
      input: { ...common, payload, ...(form.jobKey.trim() ? { jobKey: form.jobKey.trim() } : {}) } as OpInput<'jobs.add'>,
    };
  }
  const keys = splitKeys(form.keys);
  if (keys.length === 0) return { error: 'Give at least one key' };
  return {
    op: 'jobs.addBatch',
    input: {
      ...common,
      payload: payload as Record<string, never>,
      keyField: form.keyField.trim() || 'id',
      keys,
      ...(form.jobKey.trim() ? { jobKey: form.jobKey.trim() } : {}),
    },
  };
}

import type { OpInput } from '../../../../shared/contract/index.ts';
import { BACKFILL_SCHEDULES, type BackfillRule } from '../../../../shared/model/backfill.ts';

type RuleInput = OpInput<'backfill.save'>['rule'];

/** The rule editor's fields, as typed (numbers and JSON stay text until saved). */
export interface RuleDraft {
  name: string;
  query: string;
  task: string;
  payloadKey: string;
  keyType: 'auto' | 'string';
  payloadExtra: string;
  queue: string;
  priority: string;
  maxAttempts: string;
  batchSize: string;
  jobKey: string;
  timeoutSeconds: string;
  scheduleMinutes: string;
}

export const EXAMPLE_QUERY = `select e.id from jobdeck_demo.news_events e
where not exists (select 1 from jobdeck_demo.event_insights i where i.event_id = e.id)
order by e.id`;

export const SCHEDULE_CHOICES = BACKFILL_SCHEDULES;

export function emptyDraft(): RuleDraft {
  return {
    name: '',
    query: '',
    task: '',
    payloadKey: '',
    keyType: 'auto',
    payloadExtra: '',
    queue: '',
    priority: '0',
    maxAttempts: '3',
    batchSize: '10',
    jobKey: '{task}:{key}',
    timeoutSeconds: '10',
    scheduleMinutes: '',
  };
}

export function draftOf(rule: BackfillRule): RuleDraft {
  return {
    name: rule.name,
    query: rule.query,
    task: rule.task,
    payloadKey: rule.payloadKey,
    keyType: rule.keyType,
    payloadExtra: Object.keys(rule.payloadExtra).length ? JSON.stringify(rule.payloadExtra) : '',
    queue: rule.queue ?? '',
    priority: String(rule.priority),
    maxAttempts: String(rule.maxAttempts),
    batchSize: String(rule.batchSize),
    jobKey: rule.jobKey,
    timeoutSeconds: String(rule.timeoutSeconds),
    scheduleMinutes: rule.scheduleMinutes === null ? '' : String(rule.scheduleMinutes),
  };
}

/** The draft as the contract's rule input, or a message naming the first field that is not right. */
export function ruleInput(d: RuleDraft): RuleInput | string {
  let payloadExtra: Record<string, unknown> = {};
  if (d.payloadExtra.trim()) {
    try {
      payloadExtra = JSON.parse(d.payloadExtra) as Record<string, unknown>;
    } catch {
      return 'Extra payload must be a JSON object, e.g. {"model": "gpt-4o-mini"}';
    }
    if (typeof payloadExtra !== 'object' || payloadExtra === null || Array.isArray(payloadExtra))
      return 'Extra payload must be a JSON object';
  }
  const num = (v: string) => (v.trim() === '' ? NaN : Number(v));
  const numbers = {
    priority: num(d.priority),
    maxAttempts: num(d.maxAttempts),
    batchSize: num(d.batchSize),
    timeoutSeconds: num(d.timeoutSeconds),
  };
  for (const [field, value] of Object.entries(numbers)) if (!Number.isInteger(value)) return `${field} must be a whole number`;
  return {
    name: d.name,
    query: d.query,
    task: d.task,
    payloadKey: d.payloadKey,
    keyType: d.keyType,
    payloadExtra: payloadExtra as RuleInput['payloadExtra'],
    queue: d.queue.trim() ? d.queue.trim() : null,
    ...numbers,
    jobKey: d.jobKey,
    scheduleMinutes: d.scheduleMinutes ? Number(d.scheduleMinutes) : null,
  };
}

/** `every 15 min`, `every 2 h`, `daily`. */
export function scheduleLabel(minutes: number | null): string {
  if (!minutes) return 'manual';
  if (minutes < 60) return `every ${minutes} min`;
  if (minutes < 1440) return `every ${minutes / 60} h`;
  return 'daily';
}

import type { ReleaseSchedule } from './jobs.ts';
/**
 * Backfill: rules that find the items of the operator's own tables that never got their LLM output, and
 * queue a job for each, at most once per item.
 */

/** Every how many minutes a rule may run on its own (values graphile-worker's crontab can express exactly). */
export const BACKFILL_SCHEDULES = [5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440] as const;
export type BackfillSchedule = (typeof BACKFILL_SCHEDULES)[number];

/** How the item key goes into the payload: `auto` sends integer keys as JSON numbers, others as strings. */
export type BackfillKeyType = 'auto' | 'string';

/** What a rule is, as saved, exported and imported. */
export interface BackfillRuleSpec {
  name: string;
  /**
   * One SELECT (or WITH … SELECT) over the operator's tables; its first column is the item key. Its order
   * decides which items are queued first. Runs read-only, with `timeoutSeconds`.
   */
  query: string;
  /** graphile-worker task identifier run for each item. */
  task: string;
  /** Payload property that receives the key: `{ "<payloadKey>": <key>, ...payloadExtra }`. */
  payloadKey: string;
  keyType: BackfillKeyType;
  /** Constant properties added to every payload. */
  payloadExtra: Record<string, unknown>;
  /** Named queue, or null for the shared pool. */
  queue: string | null;
  priority: number;
  maxAttempts: number;
  /** Most jobs one run queues. */
  batchSize: number;
  /** Job key template; `{task}` and `{key}` are replaced. An item whose key names a job is never queued again. */
  jobKey: string;
  timeoutSeconds: number;
  /** Run every N minutes through the hosted runner's crontab, or null for manual runs only. */
  scheduleMinutes: BackfillSchedule | null;
}

/** A saved rule of one connection. */
export interface BackfillRule extends BackfillRuleSpec {
  id: string;
  connectionId: string;
  createdAt: string;
  updatedAt: string;
  lastRun: BackfillRunRecord | null;
}

/** Where an item lacking output stands in graphile-worker's queue, matched by its job key. */
export type BackfillItemState = 'none' | 'queued' | 'running' | 'failed' | 'invalid';

export interface BackfillItem {
  key: string;
  state: BackfillItemState;
  jobId: string | null;
}

/** Counts of the items lacking output (the query's rows), by where they stand. */
export interface BackfillCounts {
  /** Items the query returned: they lack output. */
  missing: number;
  /** No job with their key: a run would queue them. */
  fresh: number;
  /** A job waits, is scheduled or waits to retry. */
  queued: number;
  running: number;
  /** Their job used up its attempts; requeued only when asked. */
  failed: number;
  /** Their job key would be empty or longer than graphile-worker's 512 characters. */
  invalid: number;
}

export interface BackfillPreview extends BackfillCounts {
  /** Up to the sample size, those a run would queue first. */
  sample: BackfillItem[];
  queryMs: number;
}

export type BackfillTrigger = 'preview' | 'manual' | 'schedule';

/** One preview or run as logged in SQLite: the figures the backlog chart and the run history show. */
export interface BackfillRunRecord extends BackfillCounts {
  id: number;
  ruleId: string;
  at: string;
  trigger: BackfillTrigger;
  /** Jobs created by this run. */
  enqueued: number;
  /** Of them, items whose job had failed for good (only with requeueFailed). */
  requeued: number;
  /** Chosen items that got a job from someone else between reading and queuing. */
  skipped: number;
  durationMs: number;
  /** Why the run failed, or null. */
  error: string | null;
}

/** The answer to "run now": the logged figures and a sentence for the operator. */
export interface BackfillRunResult {
  run: BackfillRunRecord;
  /** Ids of the jobs created (at most the batch size). */
  jobIds: string[];
  message: string;
  /** A paced run's schedule: when the first and the last of its jobs run. */
  release?: ReleaseSchedule | null;
  /** A run by keys: how many of the keys given the rule did not find lacking output (done, or no such item). */
  keysNotFound?: number;
}

/** The JSON file of exported rules. */
export interface BackfillExport {
  format: 'jobdeck.backfill-rules';
  version: 1;
  exportedAt: string;
  rules: (BackfillRuleSpec & { id: string })[];
}

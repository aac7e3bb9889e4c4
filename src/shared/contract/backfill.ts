import { releasePace } from './jobs.ts';
import { z } from 'zod';
import { op } from './define.ts';
import { runTime } from './time.ts';
import {
  BACKFILL_SCHEDULES,
  type BackfillExport,
  type BackfillPreview,
  type BackfillRule,
  type BackfillRunRecord,
  type BackfillRunResult,
} from '../model/backfill.ts';

/** Rule ids are short and plain: they also name a task identifier and a crontab id. */
export const backfillRuleId = z.string().regex(/^[a-z0-9]{4,32}$/, 'lowercase letters and digits, 4 to 32 characters');

// graphile-worker's own limits: task identifiers and queue names are text, job keys at most 512 characters.
const identifier = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\s]+$/, 'no spaces');
const payloadExtra = z
  .record(z.string().max(100), z.json())
  .refine((o) => JSON.stringify(o).length <= 10_000, 'at most 10,000 characters of JSON')
  .default({});

/** A rule as saved, exported and imported; defaults follow the issue (3 attempts, batches of 10, `<task>:<key>`). */
export const backfillRuleSpec = z
  .object({
    name: z.string().trim().min(1).max(80),
    query: z
      .string()
      .max(20_000)
      // A trailing semicolon is habit, not a second statement; the query is wrapped as a subquery.
      .transform((q) => q.trim().replace(/;\s*$/, '').trim())
      .pipe(z.string().min(1, 'the query is empty')),
    task: identifier,
    payloadKey: z.string().trim().min(1).max(100),
    keyType: z.enum(['auto', 'string']).default('auto'),
    payloadExtra,
    queue: identifier.nullable().default(null),
    priority: z.number().int().min(-32_768).max(32_767).default(0),
    maxAttempts: z.number().int().min(1).max(32_767).default(3),
    batchSize: z.number().int().min(1).max(10_000).default(10),
    jobKey: z
      .string()
      .trim()
      .max(200)
      .default('{task}:{key}')
      .refine((k) => k.includes('{key}'), 'must contain {key}, or every item would share one job'),
    timeoutSeconds: z.number().int().min(1).max(300).default(10),
    scheduleMinutes: z
      .number()
      .int()
      .refine((n) => (BACKFILL_SCHEDULES as readonly number[]).includes(n), `one of ${BACKFILL_SCHEDULES.join(', ')}`)
      .nullable()
      .default(null),
  })
  .strict();

/** The export file; `import` validates a document against this. */
export const backfillExportDocument = z
  .object({
    format: z.literal('jobdeck.backfill-rules'),
    version: z.literal(1),
    exportedAt: z.string().max(64).optional(),
    rules: z.array(backfillRuleSpec.extend({ id: backfillRuleId.optional() }).strict()).max(500),
  })
  .strict();

const ruleRef = z.union([
  z.object({ id: backfillRuleId }).strict(),
  // An unsaved rule, previewed from the form before saving: a name is needed only to save it.
  z.object({ rule: backfillRuleSpec.extend({ name: z.string().trim().max(80).default('') }).strict() }).strict(),
]);

export const backfillOps = {
  'backfill.list': op<BackfillRule[]>()({
    input: z.object({}).strict(),
    access: 'read',
    summary: 'Backfill rules of the active connection, each with its last run',
  }),
  'backfill.save': op<BackfillRule>()({
    input: z.object({ id: backfillRuleId.optional(), rule: backfillRuleSpec }).strict(),
    access: 'local',
    audit: { verb: 'saved', what: 'a backfill rule', view: 'backfill', perConnection: true, read: { op: 'backfill.list' } },
    summary: 'Add or update a backfill rule (a schedule change restarts the hosted runner to load its crontab)',
  }),
  'backfill.remove': op<{ removed: boolean }>()({
    input: z.object({ id: backfillRuleId }).strict(),
    access: 'local',
    audit: { verb: 'removed', what: 'a backfill rule', view: 'backfill', perConnection: true, read: { op: 'backfill.list' } },
    summary: 'Delete a backfill rule and its run log',
  }),
  'backfill.preview': op<BackfillPreview>()({
    input: z.object({ target: ruleRef, sampleSize: z.number().int().min(0).max(200).default(20) }).strict(),
    access: 'read',
    summary: "Run a rule's query read-only: how many items lack output, a sample, and how many already have a job",
  }),
  'backfill.run': op<BackfillRunResult>()({
    input: z
      .object({
        id: backfillRuleId,
        /** Queue at most this many instead of the rule's batch size. */
        limit: z.number().int().min(1).max(10_000).optional(),
        /** Also queue items whose job failed for good (a new job; the failed one stays as history). */
        requeueFailed: z.boolean().default(false),
        /** When the jobs run (default now); with pace, when the first one runs. */
        runAt: runTime.optional(),
        /** Release the jobs at perMinute a minute (their run_at spread, in the query's order). */
        pace: releasePace.optional(),
        /** Only these items (by key), if the rule finds them lacking output; the batch size does not apply. */
        keys: z.array(z.string().min(1).max(256)).min(1).max(10_000).optional(),
      })
      .strict()
      .refine((input) => !(input.keys && input.limit), { message: 'give keys or a limit, not both', path: ['limit'] }),
    access: 'write',
    summary:
      'Queue jobs for items lacking output (up to the batch size, or the items given by key), in one add_jobs call; never twice per item',
  }),
  'backfill.runs': op<BackfillRunRecord[]>()({
    input: z
      .object({
        id: backfillRuleId.optional(),
        minutes: z.number().int().min(1).max(43_200).default(1440),
        limit: z.number().int().min(1).max(2000).default(500),
      })
      .strict(),
    access: 'read',
    summary: 'Logged previews and runs (oldest first), for the backlog chart and the run history',
  }),
  'backfill.export': op<BackfillExport>()({
    input: z.object({ ids: z.array(backfillRuleId).max(500).optional() }).strict(),
    access: 'read',
    summary: 'Rules of the active connection as a JSON document',
  }),
  'backfill.import': op<{ created: number; updated: number }>()({
    input: z.object({ document: backfillExportDocument }).strict(),
    access: 'local',
    audit: { verb: 'imported', what: 'backfill rules', view: 'backfill', perConnection: true, read: { op: 'backfill.list' } },
    summary: 'Add rules from an exported JSON document (a rule with a known id is updated)',
  }),
};

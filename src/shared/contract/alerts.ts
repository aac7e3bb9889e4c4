import { z } from 'zod';
import { op } from './define.ts';
import { workName } from './names.ts';
import { empty } from './app.ts';
import type { AlertList, AlertSettings, AlertTestResult } from '../model/alerts.ts';

const name = workName(200);
const slug = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be an error type slug');

/** Every rule: an id (kept from `alerts.rules.get`; a new rule gets one), on or off, an optional name. */
const base = {
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be a rule id from alerts.rules.get')
    .optional(),
  enabled: z.boolean().default(true),
  name: z.string().trim().min(1).max(200).optional(),
};
const minutes = (max: number, min = 1) =>
  z
    .number()
    .int('must be whole minutes')
    .min(min, min === 1 ? 'at least 1 minute (a window of no time judges nothing)' : `at least ${min}`)
    .max(max, `at most ${max} minutes`);

const backlog = z
  .object({
    ...base,
    kind: z.literal('backlog'),
    task: name.optional(),
    queue: name.optional(),
    above: z.number().int().min(0, 'cannot be negative').max(1e9),
    forMinutes: minutes(1440, 0),
  })
  .strict()
  .refine((r) => r.task === undefined || r.queue === undefined, { message: 'give a task or a queue, not both', path: ['queue'] });

export const alertRuleSchema = z.union([
  backlog,
  z.object({ ...base, kind: z.literal('oldest_due'), task: name.optional(), olderThanMinutes: minutes(7 * 1440) }).strict(),
  z
    .object({
      ...base,
      kind: z.literal('failure_rate'),
      task: name.optional(),
      errorType: slug.optional(),
      abovePercent: z.number().gt(0, 'must be above 0%').max(100, 'a share cannot exceed 100%'),
      windowMinutes: minutes(1440),
      minAttempts: z.number().int().min(1).max(1e6).default(10),
    })
    .strict(),
  z.object({ ...base, kind: z.literal('stuck'), atLeast: z.number().int().min(1).max(1e6).default(1) }).strict(),
  z.object({ ...base, kind: z.literal('no_worker'), task: name.optional() }).strict(),
  z.object({ ...base, kind: z.literal('worker_gone') }).strict(),
  z
    .object({
      ...base,
      kind: z.literal('daily_spend'),
      budgetUsd: z.number().gt(0, 'a budget must be above 0').max(10_000_000),
    })
    .strict(),
]);

/** A webhook URL as typed; the engine checks its scheme and every address its host resolves to. */
const webhookUrl = z.string().trim().min(1).max(2000);

export const alertOps = {
  'alerts.rules.get': op<AlertSettings>()({
    input: empty,
    access: 'read',
    summary: 'Alert rules, channels (webhook shown without its secret part, desktop), quiet period and daily summary',
  }),
  'alerts.rules.set': op<AlertSettings>()({
    input: z
      .object({
        rules: z.array(alertRuleSchema).max(50),
        /** A new URL, null to remove it, absent to keep the one saved. */
        webhookUrl: webhookUrl.nullable().optional(),
        desktop: z.boolean().default(true),
        quietMinutes: minutes(1440).default(10),
        dailySummary: z
          .object({ enabled: z.boolean(), hourUtc: z.number().int().min(0).max(23, 'an hour of the day, 0 to 23') })
          .strict()
          .default({ enabled: false, hourUtc: 8 }),
      })
      .strict(),
    access: 'local',
    audit: { verb: 'changed', what: 'the alert rules and channels', view: 'alerts', read: { op: 'alerts.rules.get' } },
    summary:
      'Replace the alert rules and channels; a webhook URL must be http(s) and resolve to no link-local or metadata address (refused, nothing saved)',
  }),
  'alerts.list': op<AlertList>()({
    input: z
      .object({
        state: z.enum(['firing', 'all']).default('all'),
        /** The id of the last alert of the previous page. */
        before: z.number().int().min(1).optional(),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
    access: 'read',
    summary: 'Alert episodes, summaries and tests, newest first, each with its deliveries (sent, failed and why)',
  }),
  'alerts.test': op<AlertTestResult>()({
    input: z
      .object({
        channel: z.enum(['webhook', 'desktop']),
        /** A URL to try before saving it; absent: the saved webhook. */
        url: webhookUrl.optional(),
      })
      .strict(),
    access: 'local',
    summary: 'Send a test message to a channel (the saved webhook or a URL to try) and say whether it was delivered',
  }),
};

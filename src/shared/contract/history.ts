import { z } from 'zod';
import { op } from './define.ts';
import { inOrder, isoTime } from './time.ts';
import { errorRuleSchema } from '../errors/index.ts';
import {
  HISTORY_WINDOWS,
  type ErrorRulesState,
  type HistoryExportPage,
  type HistoryPage,
  type HistoryStatus,
  type HistorySummary,
} from '../model/history.ts';

/** A saved connection's id; absent = the active connection, else the last active one (works offline). */
const connectionId = z.string().min(1).max(200).optional();
const slug = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be an error type slug');

/** Filters shared by the list, the export and the charts. */
export const historyFilter = z
  .object({
    connectionId,
    errorType: slug.optional(),
    task: z.string().min(1).max(200).optional(),
    search: z.string().trim().min(1).max(200).optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
  })
  .strict();

/** Keyset cursor: `<at ms>:<id>` of the last row of the previous page. */
const cursor = z
  .string()
  .regex(/^\d{1,15}:\d{1,15}$/, 'not a cursor from a previous page')
  .optional();

export const historyOps = {
  'history.status': op<HistoryStatus>()({
    input: z.object({ connectionId }).strict(),
    access: 'read',
    summary: 'How the failure history is kept: last scan, watched jobs, connections with history, retention',
  }),
  'history.summary': op<HistorySummary>()({
    input: z
      .object({
        connectionId,
        window: z.enum(Object.keys(HISTORY_WINDOWS) as [keyof typeof HISTORY_WINDOWS]).default('24h'),
        task: z.string().min(1).max(200).optional(),
      })
      .strict(),
    access: 'read',
    summary: 'Failures by type, over time and per task; success rate, throughput and durations (from SQLite, works offline)',
  }),
  'history.list': op<HistoryPage>()({
    input: historyFilter
      .extend({ cursor, limit: z.number().int().min(1).max(500).default(100) })
      .strict()
      .refine(...inOrder('from', 'to')),
    access: 'read',
    summary: 'Failed attempts, newest first, filtered, with keyset pagination (from SQLite, works offline)',
  }),
  'history.export': op<HistoryExportPage>()({
    input: historyFilter
      .extend({ cursor, format: z.enum(['csv', 'json']) })
      .strict()
      .refine(...inOrder('from', 'to')),
    access: 'read',
    summary: 'One page of the filtered failed attempts as CSV or JSON; concatenating the pages gives the file',
  }),
  'history.rules.get': op<ErrorRulesState>()({
    input: z.object({}).strict(),
    access: 'read',
    summary: 'Error taxonomy rules of the operator (tried before the built-in ones) and the resulting types',
  }),
  'history.rules.set': op<ErrorRulesState>()({
    input: z.object({ rules: z.array(errorRuleSchema).max(200) }).strict(),
    access: 'local',
    audit: { verb: 'changed', what: 'the error taxonomy', view: 'failures', read: { op: 'history.rules.get', pick: 'rules' } },
    summary: 'Replace the error taxonomy rules; the history is reclassified in the background, in batches',
  }),
  'history.retention.set': op<HistoryStatus>()({
    input: z.object({ days: z.number().int().min(1).max(3650) }).strict(),
    access: 'local',
    audit: { verb: 'changed', what: "the failure history's retention (days)", read: { op: 'history.status', pick: 'retentionDays' } },
    summary: 'How many days of failure history to keep (default 90); older rows are removed in small batches',
  }),
};

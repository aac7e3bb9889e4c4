import { z } from 'zod';
import { op } from './define.ts';
import { USAGE_WINDOWS, type PriceTable, type UsageEstimate, type UsageSummary } from '../model/usage.ts';

/** A saved connection's id; absent = the active connection, else the last active one (works offline). */
const connectionId = z.string().min(1).max(200).optional();

/** A calendar day, YYYY-MM-DD, that exists (2025-02-30 does not). */
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'is not a calendar date');

/** USD per million tokens: a price, never negative, never absurd. */
const perMillion = z.number().finite().min(0, 'a price cannot be negative').max(100_000, 'beyond 100,000 USD per million tokens');

export const modelPriceSchema = z
  .object({
    model: z.string().trim().min(1).max(200),
    validFrom: day,
    inputPerMillion: perMillion,
    cachedInputPerMillion: perMillion.nullable().default(null),
    outputPerMillion: perMillion,
    isDefault: z.boolean().default(false),
  })
  .strict();

export const usageOps = {
  'usage.summary': op<UsageSummary>()({
    input: z
      .object({
        connectionId,
        window: z.enum(Object.keys(USAGE_WINDOWS) as [keyof typeof USAGE_WINDOWS]).default('24h'),
      })
      .strict(),
    access: 'read',
    summary:
      'LLM tokens and cost per task, model and hour or day; cost per successful output; cost of failed attempts by error type; latency per model (from SQLite rollups, works offline)',
  }),
  'usage.estimate': op<UsageEstimate>()({
    input: z
      .object({
        connectionId,
        tasks: z.array(z.object({ task: z.string().min(1).max(200), jobs: z.number().int().min(0).max(1e9) }).strict()).max(500),
      })
      .strict(),
    access: 'read',
    summary: "Estimated tokens and cost of running jobs of these tasks: each task's recent average per attempt times the jobs",
  }),
  'usage.prices.get': op<PriceTable>()({
    input: z.object({}).strict(),
    access: 'read',
    summary: 'The model price table (USD per million input, cached input and output tokens, from a date on)',
  }),
  'usage.prices.set': op<PriceTable>()({
    input: z.object({ prices: z.array(modelPriceSchema).max(1000) }).strict(),
    access: 'local',
    audit: { verb: 'changed', what: 'the model price table', view: 'usage', read: { op: 'usage.prices.get', pick: 'prices' } },
    summary: 'Replace the model price table (also how a JSON export is imported); costs are priced from it when read',
  }),
  'usage.prices.restoreDefaults': op<PriceTable>()({
    input: z.object({}).strict(),
    access: 'local',
    audit: { verb: 'restored', what: 'the built-in model prices', view: 'usage', read: { op: 'usage.prices.get', pick: 'prices' } },
    summary: "Add back the built-in prices of the models the table has no price of (the operator's own rows are kept)",
  }),
};

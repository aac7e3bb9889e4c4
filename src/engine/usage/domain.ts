import { OpError } from '../../shared/contract/index.ts';
import type { AttemptUsage, ModelPrice } from '../../shared/model/usage.ts';
import type { Domain } from '../domain.ts';
import { writeTransaction, type Db } from '../store/db.ts';
import type { RecordedAttempt, ReportedUsage } from '../history/exact-attempts.ts';
import { usageRollups } from './rollups.ts';
import { pricesRepo, priceTokens } from './prices.ts';
import { usageSummaries } from './summary.ts';
import { estimateUsage } from './estimate.ts';

const RETENTION_EVERY_MS = 3600_000;
const HOURS_KEPT_DAYS = 35;
const DAYS_KEPT = 400;

/** Drops hour rollups older than 35 days and day rollups older than 400 days (a few thousand rows a day at most). */
export function pruneRollups(db: Db, now = Date.now()): void {
  const hour = Math.floor(now / 3600_000) - HOURS_KEPT_DAYS * 24;
  const day = Math.floor(now / 86_400_000) - DAYS_KEPT;
  writeTransaction(db, () => {
    db.prepare('delete from usage_hours where slot < ?').run(hour);
    db.prepare('delete from usage_latency_hours where slot < ?').run(hour);
    db.prepare('delete from usage_days where slot < ?').run(day);
    db.prepare('delete from usage_latency_days where slot < ?').run(day);
  })();
}

type Ops = 'usage.summary' | 'usage.estimate' | 'usage.prices.get' | 'usage.prices.set' | 'usage.prices.restoreDefaults';

export interface UsageContext {
  /** This domain owns usage_hours, usage_latency_hours and usage_prices. */
  db: Db;
  /** The connection a read shows: the one asked for, the active one, else the last active one (as the history's). */
  connectionFor(id?: string): string | null;
}

export interface UsageDomain extends Domain<Ops> {
  /** Adds a batch of recorded attempts to the rollups; called by the history inside the batch's transaction. */
  recordBatch(batch: readonly RecordedAttempt[]): void;
  /** One attempt's usage with its cost: the task's, else priced on the day it ended, else none. */
  priceAttempt(usage: ReportedUsage, at: number): AttemptUsage;
}

/**
 * LLM usage and cost: rollups per task, model and hour kept as attempts are recorded, the operator's price table,
 * the Usage view's summary and the estimate shown before a bulk retry or a backfill run.
 */
export function createUsage(ctx: UsageContext): UsageDomain {
  const rollups = usageRollups(ctx.db);
  const prices = pricesRepo(ctx.db);
  const summaries = usageSummaries(ctx.db, prices);
  // Hour rollups serve the 1 h and 24 h windows and the 7-day estimate; day rollups the 30-day window and beyond.
  const retention = setInterval(() => pruneRollups(ctx.db), RETENTION_EVERY_MS);
  retention.unref();

  const checkTable = (table: readonly ModelPrice[]): void => {
    const seen = new Set<string>();
    for (const p of table) {
      const key = `${p.model}\u0000${p.validFrom}`;
      if (seen.has(key)) throw new OpError('invalid_input', `Two prices for "${p.model}" from ${p.validFrom}: keep one`);
      seen.add(key);
    }
  };

  return {
    name: 'usage',
    hooks: {
      stop: () => clearInterval(retention),
    },
    recordBatch: (batch) => rollups.add(batch),
    priceAttempt(usage, at) {
      const base = {
        model: usage.model,
        provider: usage.provider,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        cachedInputTokens: usage.cachedInputTokens,
        reasoningTokens: usage.reasoningTokens,
        timeToFirstTokenMs: usage.timeToFirstTokenMs,
      };
      if (usage.costUsd !== null) return { ...base, costUsd: usage.costUsd, costSource: 'task' };
      const price = usage.model ? prices.priceOn(usage.model, new Date(at).toISOString().slice(0, 10)) : null;
      if (!price) return { ...base, costUsd: null, costSource: 'no_price' };
      const costUsd = priceTokens(price, {
        inputTokens: usage.inputTokens ?? 0,
        cachedInputTokens: usage.cachedInputTokens ?? 0,
        outputTokens: usage.outputTokens ?? 0,
      });
      return { ...base, costUsd, costSource: 'price_table' };
    },
    handlers: {
      'usage.summary': ({ connectionId, window }) => summaries.summary(ctx.connectionFor(connectionId), window),
      'usage.estimate': ({ connectionId, tasks }) => estimateUsage(summaries, ctx.connectionFor(connectionId), tasks),
      'usage.prices.get': () => prices.table(),
      'usage.prices.set': ({ prices: table }) => {
        checkTable(table);
        return prices.set(table);
      },
      'usage.prices.restoreDefaults': () => prices.restoreDefaults(),
    },
  };
}

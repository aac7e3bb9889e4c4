import { USAGE_WINDOWS, type ModelUsage, type UsageSummary, type UsageWindow, type FailureCost } from '../../shared/model/usage.ts';
import type { Db } from '../store/db.ts';
import { addFigures, costPerSuccess, emptyFigures, type PricedRow } from './figures.ts';
import { addBuckets, bucketQuantile, emptyBuckets } from './latency.ts';
import { priceTokens, type ModelPriceLookup, type PricesRepo } from './prices.ts';
import { GRAINS } from './rollups.ts';

const HOUR_MS = 3600_000;
const DAY_MS = 86_400_000;

interface GroupRow {
  slot: number;
  task: string;
  model: string;
  outcome: 'success' | 'failure' | 'cancelled';
  error_type: string;
  attempts: number;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  reasoning_tokens: number;
  task_cost_usd: number;
  task_costed: number;
  open_input_tokens: number;
  open_cached_input_tokens: number;
  open_output_tokens: number;
}

interface LatencyRow {
  model: string;
  duration_buckets: string;
  ttft_buckets: string;
  ttft_sum_ms: number;
  ttft_count: number;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Reads the usage rollups of one granularity (hours for the 1 h and 24 h windows, days for 7 d and 30 d): one
 * read of the rollup rows (already one per slot, task, model, outcome and error type: nothing to group) and one of
 * the latency rows, priced in memory.
 */
export function usageSummaries(db: Db, prices: PricesRepo) {
  const [hours, days] = GRAINS.map((g) => ({
    ms: g.ms,
    rows: db.prepare<[string, number], GroupRow>(
      `select slot, task, model, outcome, error_type, attempts, input_tokens, output_tokens, cached_input_tokens,
              reasoning_tokens, task_cost_usd, task_costed, open_input_tokens, open_cached_input_tokens, open_output_tokens
       from ${g.table} where connection_id = ? and slot >= ?`,
    ),
    latencies: db.prepare<[string, number], LatencyRow>(
      `select model, duration_buckets, ttft_buckets, ttft_sum_ms, ttft_count from ${g.latency} where connection_id = ? and slot >= ?`,
    ),
  }));

  /** A group's cost: what the tasks gave, plus the rest priced on the slot's day; unknown where no price holds. */
  const price = (r: GroupRow, day: string, lookup: ModelPriceLookup): PricedRow => {
    const open = r.attempts - r.task_costed;
    const p = open > 0 ? lookup(r.model, day) : null;
    const openCost = p
      ? priceTokens(p, {
          inputTokens: r.open_input_tokens,
          cachedInputTokens: r.open_cached_input_tokens,
          outputTokens: r.open_output_tokens,
        })
      : null;
    const known = r.task_costed > 0 || openCost !== null;
    return {
      attempts: r.attempts,
      successes: r.outcome === 'success' ? r.attempts : 0,
      failures: r.outcome === 'failure' ? r.attempts : 0,
      inputTokens: r.input_tokens,
      outputTokens: r.output_tokens,
      cachedInputTokens: r.cached_input_tokens,
      reasoningTokens: r.reasoning_tokens,
      costUsd: known ? r.task_cost_usd + (openCost ?? 0) : null,
      unpricedAttempts: open > 0 && !p ? open : 0,
    };
  };

  /**
   * Each rollup row from `fromMs` on (hour or day rows), priced: the rows every figure is summed from. Prices are
   * looked up once per model and day.
   */
  const pricedGroups = (connectionId: string, fromMs: number, grain: 'hour' | 'day') => {
    const g = grain === 'hour' ? hours : days;
    const lookup = prices.lookup();
    const dayCache = new Map<number, string>();
    return g.rows.all(connectionId, Math.floor(fromMs / g.ms)).map((r) => {
      let day = dayCache.get(r.slot);
      if (day === undefined) dayCache.set(r.slot, (day = dayOf(r.slot * g.ms)));
      return { row: r, priced: price(r, day, lookup) };
    });
  };

  return {
    pricedGroups,

    summary(connectionId: string | null, window: UsageWindow, now = Date.now()): UsageSummary {
      const windowHours = USAGE_WINDOWS[window];
      const slot = windowHours <= 24 ? 'hour' : 'day';
      const g = slot === 'hour' ? hours : days;
      const slotMs = slot === 'hour' ? HOUR_MS : DAY_MS;
      // Slots are whole hours, or whole UTC days: the window starts at the top of its first slot.
      const fromMs = Math.floor((now - windowHours * HOUR_MS) / slotMs) * slotMs;
      const totals = emptyFigures();
      const tasks = new Map<string, ReturnType<typeof emptyFigures>>();
      const models = new Map<string, ReturnType<typeof emptyFigures>>();
      const series = new Map<number, ReturnType<typeof emptyFigures>>();
      const failures = new Map<string, FailureCost>();
      const groups = connectionId ? pricedGroups(connectionId, fromMs, slot) : [];
      for (const { row, priced } of groups) {
        addFigures(totals, priced);
        const into = <K>(map: Map<K, ReturnType<typeof emptyFigures>>, key: K) => {
          let f = map.get(key);
          if (!f) map.set(key, (f = emptyFigures()));
          addFigures(f, priced);
        };
        into(tasks, row.task);
        into(models, row.model);
        into(series, row.slot);
        if (row.outcome === 'failure') {
          let f = failures.get(row.error_type);
          if (!f) {
            f = { errorType: row.error_type, attempts: 0, inputTokens: 0, outputTokens: 0, costUsd: null, unpricedAttempts: 0 };
            failures.set(row.error_type, f);
          }
          f.attempts += priced.attempts;
          f.inputTokens += priced.inputTokens;
          f.outputTokens += priced.outputTokens;
          if (priced.costUsd !== null) f.costUsd = (f.costUsd ?? 0) + priced.costUsd;
          f.unpricedAttempts += priced.unpricedAttempts;
        }
      }

      const latency = new Map<string, { duration: number[]; ttft: number[]; ttftSum: number; ttftCount: number }>();
      if (connectionId) {
        for (const r of g.latencies.all(connectionId, Math.floor(fromMs / slotMs))) {
          let l = latency.get(r.model);
          if (!l) latency.set(r.model, (l = { duration: emptyBuckets(), ttft: emptyBuckets(), ttftSum: 0, ttftCount: 0 }));
          addBuckets(l.duration, safeJson(r.duration_buckets));
          addBuckets(l.ttft, safeJson(r.ttft_buckets));
          l.ttftSum += r.ttft_sum_ms;
          l.ttftCount += r.ttft_count;
        }
      }
      const today = dayOf(now);
      const byModel: ModelUsage[] = [...models].map(([model, f]) => {
        const l = latency.get(model);
        return {
          model,
          ...f,
          durationP50Ms: l ? bucketQuantile(l.duration, 0.5) : null,
          durationP95Ms: l ? bucketQuantile(l.duration, 0.95) : null,
          ttftMeanMs: l && l.ttftCount > 0 ? l.ttftSum / l.ttftCount : null,
          ttftP50Ms: l && l.ttftCount > 0 ? bucketQuantile(l.ttft, 0.5) : null,
          priced: prices.priceOn(model, today) !== null,
        };
      });

      const slots: UsageSummary['series'] = [];
      for (let s = Math.floor(fromMs / slotMs); s <= Math.floor(now / slotMs); s++) {
        slots.push({ at: new Date(s * slotMs).toISOString(), ...(series.get(s) ?? emptyFigures()) });
      }
      const byCost = (a: { costUsd: number | null; inputTokens: number }, b: { costUsd: number | null; inputTokens: number }) =>
        (b.costUsd ?? -1) - (a.costUsd ?? -1) || b.inputTokens - a.inputTokens;
      return {
        connectionId,
        window,
        from: new Date(fromMs).toISOString(),
        slot,
        totals: { ...totals, costPerSuccessUsd: costPerSuccess(totals) },
        byTask: [...tasks].map(([task, f]) => ({ task, ...f, costPerSuccessUsd: costPerSuccess(f) })).sort(byCost),
        byModel: byModel.sort(byCost),
        series: slots,
        failures: [...failures.values()].sort(byCost),
      };
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export type UsageSummaries = ReturnType<typeof usageSummaries>;

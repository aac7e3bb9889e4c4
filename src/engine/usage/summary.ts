import { USAGE_WINDOWS, type ModelUsage, type UsageSummary, type UsageWindow, type FailureCost } from '../../shared/model/usage.ts';
import type { Db } from '../store/db.ts';
import { addFigures, costPerSuccess, emptyFigures, type PricedRow } from './figures.ts';
import { addBuckets, bucketQuantile, emptyBuckets } from './latency.ts';
import { priceTokens, type PricesRepo } from './prices.ts';

const HOUR_MS = 3600_000;

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

/** Reads the usage rollups: one grouped read of usage_hours and one of usage_latency_hours, priced in memory. */
export function usageSummaries(db: Db, prices: PricesRepo) {
  const grouped = db.prepare<{ c: string; from: number; div: number }, GroupRow>(
    `select hour / @div as slot, task, model, outcome, error_type, sum(attempts) as attempts,
            sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
            sum(cached_input_tokens) as cached_input_tokens, sum(reasoning_tokens) as reasoning_tokens,
            sum(task_cost_usd) as task_cost_usd, sum(task_costed) as task_costed,
            sum(open_input_tokens) as open_input_tokens, sum(open_cached_input_tokens) as open_cached_input_tokens,
            sum(open_output_tokens) as open_output_tokens
     from usage_hours where connection_id = @c and hour >= @from
     group by slot, task, model, outcome, error_type`,
  );
  const latencies = db.prepare<[string, number], LatencyRow>(
    `select model, duration_buckets, ttft_buckets, ttft_sum_ms, ttft_count
     from usage_latency_hours where connection_id = ? and hour >= ?`,
  );

  /** A group's cost: what the tasks gave, plus the rest priced on the slot's day; unknown where no price holds. */
  const price = (r: GroupRow, day: string): PricedRow => {
    const open = r.attempts - r.task_costed;
    const p = open > 0 ? prices.priceOn(r.model, day) : null;
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

  /** Each group over the hours from `fromHour`, priced: the rows every figure is summed from. */
  const pricedGroups = (connectionId: string, fromHour: number, div: number) =>
    grouped.all({ c: connectionId, from: fromHour, div }).map((r) => ({ row: r, priced: price(r, dayOf(r.slot * div * HOUR_MS)) }));

  return {
    pricedGroups,

    summary(connectionId: string | null, window: UsageWindow, now = Date.now()): UsageSummary {
      const hours = USAGE_WINDOWS[window];
      const slot = hours <= 24 ? 'hour' : 'day';
      const div = slot === 'hour' ? 1 : 24;
      const currentHour = Math.floor(now / HOUR_MS);
      // Day slots start at midnight (UTC), so every day of the chart is whole except today.
      const fromHour = slot === 'hour' ? currentHour - hours : Math.floor((currentHour - hours) / 24) * 24;
      const totals = emptyFigures();
      const tasks = new Map<string, ReturnType<typeof emptyFigures>>();
      const models = new Map<string, ReturnType<typeof emptyFigures>>();
      const series = new Map<number, ReturnType<typeof emptyFigures>>();
      const failures = new Map<string, FailureCost>();
      const groups = connectionId ? pricedGroups(connectionId, fromHour, div) : [];
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
        for (const r of latencies.all(connectionId, fromHour)) {
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
      for (let s = Math.floor(fromHour / div); s <= Math.floor(currentHour / div); s++) {
        slots.push({ at: new Date(s * div * HOUR_MS).toISOString(), ...(series.get(s) ?? emptyFigures()) });
      }
      const byCost = (a: { costUsd: number | null; inputTokens: number }, b: { costUsd: number | null; inputTokens: number }) =>
        (b.costUsd ?? -1) - (a.costUsd ?? -1) || b.inputTokens - a.inputTokens;
      return {
        connectionId,
        window,
        from: new Date(fromHour * HOUR_MS).toISOString(),
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

import type { Db } from '../store/db.ts';
import type { RecordedAttempt } from '../history/exact-attempts.ts';
import { addBuckets, emptyBuckets, latencyBucket } from './latency.ts';

/** The two granularities kept: hours (the 1 h and 24 h windows) and UTC days (7 d, 30 d). */
export const GRAINS = [
  { table: 'usage_hours', latency: 'usage_latency_hours', ms: 3600_000 },
  { table: 'usage_days', latency: 'usage_latency_days', ms: 86_400_000 },
] as const;

interface UsageRow {
  connectionId: string;
  slot: number;
  task: string;
  model: string;
  outcome: string;
  errorType: string;
  attempts: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  taskCostUsd: number;
  taskCosted: number;
  openInputTokens: number;
  openCachedInputTokens: number;
  openOutputTokens: number;
}

interface LatencyRow {
  connectionId: string;
  slot: number;
  model: string;
  duration: number[];
  ttft: number[];
  ttftSum: number;
  ttftCount: number;
}

/**
 * The usage rollups (usage_hours and usage_days, with their latency tables), owned by the usage domain and written
 * once per batch of recorded attempts, inside the batch's transaction: the batch is summed in memory first, so a
 * page of 1,000 attempts costs a handful of upserts per granularity, not a trigger per row. Only attempts that
 * reported usage count.
 */
export function usageRollups(db: Db) {
  const writers = GRAINS.map((g) => ({ ms: g.ms, ...grainWriter(db, g.table, g.latency) }));
  return {
    /** Adds a batch of newly recorded attempts. Call inside the batch's transaction. */
    add(batch: readonly RecordedAttempt[]): void {
      for (const w of writers) w.add(batch, w.ms);
    },
  };
}

const parse = (text: string | undefined): unknown => {
  try {
    return text === undefined ? null : JSON.parse(text);
  } catch {
    return null;
  }
};

/** The statements of one granularity (table names are constants of GRAINS, never input). */
function grainWriter(db: Db, table: string, latencyTable: string) {
  const upsert = db.prepare(
    `insert into ${table} (connection_id, slot, task, model, outcome, error_type, attempts, input_tokens, output_tokens,
                              cached_input_tokens, reasoning_tokens, task_cost_usd, task_costed, open_input_tokens,
                              open_cached_input_tokens, open_output_tokens)
     values (@connectionId, @slot, @task, @model, @outcome, @errorType, @attempts, @inputTokens, @outputTokens,
             @cachedInputTokens, @reasoningTokens, @taskCostUsd, @taskCosted, @openInputTokens, @openCachedInputTokens,
             @openOutputTokens)
     on conflict (connection_id, slot, task, model, outcome, error_type) do update set
       attempts = attempts + excluded.attempts,
       input_tokens = input_tokens + excluded.input_tokens,
       output_tokens = output_tokens + excluded.output_tokens,
       cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
       reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
       task_cost_usd = task_cost_usd + excluded.task_cost_usd,
       task_costed = task_costed + excluded.task_costed,
       open_input_tokens = open_input_tokens + excluded.open_input_tokens,
       open_cached_input_tokens = open_cached_input_tokens + excluded.open_cached_input_tokens,
       open_output_tokens = open_output_tokens + excluded.open_output_tokens`,
  );
  const latencyOf = db.prepare<[string, number, string], { duration_buckets: string; ttft_buckets: string }>(
    `select duration_buckets, ttft_buckets from ${latencyTable} where connection_id = ? and slot = ? and model = ?`,
  );
  const putLatency = db.prepare(
    `insert into ${latencyTable} (connection_id, slot, model, duration_buckets, ttft_buckets, ttft_sum_ms, ttft_count)
     values (@connectionId, @slot, @model, @duration, @ttft, @ttftSum, @ttftCount)
     on conflict (connection_id, slot, model) do update set
       duration_buckets = excluded.duration_buckets, ttft_buckets = excluded.ttft_buckets,
       ttft_sum_ms = ttft_sum_ms + excluded.ttft_sum_ms, ttft_count = ttft_count + excluded.ttft_count`,
  );

  return {
    add(batch: readonly RecordedAttempt[], slotMs: number): void {
      const rows = new Map<string, UsageRow>();
      const latencies = new Map<string, LatencyRow>();
      for (const { attempt: a, errorType } of batch) {
        const u = a.usage;
        if (!u) continue;
        const slot = Math.floor(a.finishedAt / slotMs);
        const model = u.model ?? '';
        const type = a.outcome === 'failure' ? (errorType ?? 'other') : '';
        const key = [a.connectionId, slot, a.task, model, a.outcome, type].join('\u0000');
        let r = rows.get(key);
        if (!r) {
          r = {
            connectionId: a.connectionId,
            slot,
            task: a.task,
            model,
            outcome: a.outcome,
            errorType: type,
            attempts: 0,
            inputTokens: 0,
            outputTokens: 0,
            cachedInputTokens: 0,
            reasoningTokens: 0,
            taskCostUsd: 0,
            taskCosted: 0,
            openInputTokens: 0,
            openCachedInputTokens: 0,
            openOutputTokens: 0,
          };
          rows.set(key, r);
        }
        const input = u.inputTokens ?? 0;
        const cached = u.cachedInputTokens ?? 0;
        const output = u.outputTokens ?? 0;
        r.attempts++;
        r.inputTokens += input;
        r.outputTokens += output;
        r.cachedInputTokens += cached;
        r.reasoningTokens += u.reasoningTokens ?? 0;
        if (u.costUsd !== null) {
          r.taskCostUsd += u.costUsd;
          r.taskCosted++;
        } else {
          r.openInputTokens += input;
          r.openCachedInputTokens += cached;
          r.openOutputTokens += output;
        }
        const lkey = [a.connectionId, slot, model].join('\u0000');
        let l = latencies.get(lkey);
        if (!l) {
          l = { connectionId: a.connectionId, slot, model, duration: emptyBuckets(), ttft: emptyBuckets(), ttftSum: 0, ttftCount: 0 };
          latencies.set(lkey, l);
        }
        l.duration[latencyBucket(a.durationMs)]++;
        if (u.timeToFirstTokenMs !== null) {
          l.ttft[latencyBucket(u.timeToFirstTokenMs)]++;
          l.ttftSum += u.timeToFirstTokenMs;
          l.ttftCount++;
        }
      }
      for (const r of rows.values()) upsert.run(r);
      for (const l of latencies.values()) {
        const old = latencyOf.get(l.connectionId, l.slot, l.model);
        putLatency.run({
          connectionId: l.connectionId,
          slot: l.slot,
          model: l.model,
          duration: JSON.stringify(addBuckets(l.duration, parse(old?.duration_buckets))),
          ttft: JSON.stringify(addBuckets(l.ttft, parse(old?.ttft_buckets))),
          ttftSum: l.ttftSum,
          ttftCount: l.ttftCount,
        });
      }
    },
  };
}

export type UsageRollups = ReturnType<typeof usageRollups>;

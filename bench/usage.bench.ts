/**
 * Usage over 30 days of 1,000,000 attempts: `usage.summary` (hourly rollups written per batch, priced when read)
 * against the same question asked of the raw attempts (job_attempts with their usage columns, indexed by
 * connection and time): tokens and cost per task, model and day, failures by error type, duration p50/p95 per
 * model. Also reports what writing the rollups costs per batch of 1,000 attempts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Db } from '../src/engine/store/db.ts';
import { usageRollups } from '../src/engine/usage/rollups.ts';
import { pricesRepo, priceTokens } from '../src/engine/usage/prices.ts';
import { usageSummaries } from '../src/engine/usage/summary.ts';
import type { RecordedAttempt } from '../src/engine/history/exact-attempts.ts';
import { timeMedian, type BenchResult } from './lib.ts';

const ATTEMPTS = 1_000_000;
const DAYS = 30;
const BATCH = 1_000;
const C = 'bench';
const TASKS = ['generate_insight', 'enrich_record', 'summarize', 'classify', 'translate'];
const MODELS = ['gpt-4o-mini', 'gpt-4.1-mini', 'claude-3-5-haiku'];
const ERRORS = ['rate_limit', 'timeout', 'invalid_json', 'server_error'];

/** One attempt of the bench's history: deterministic, spread evenly over the 30 days. */
function attemptAt(i: number, now: number): RecordedAttempt {
  const finishedAt = now - DAYS * 86_400_000 + Math.floor((i / ATTEMPTS) * DAYS * 86_400_000);
  const failed = i % 10 === 0;
  const task = TASKS[i % TASKS.length];
  return {
    attempt: {
      connectionId: C,
      jobId: i + 1,
      task,
      queue: null,
      attempt: 1,
      maxAttempts: 5,
      startedAt: finishedAt - 800,
      finishedAt,
      durationMs: 200 + (i % 97) * 40,
      outcome: failed ? 'failure' : 'success',
      error: failed ? 'boom' : null,
      poolId: 'pool-bench',
      source: 'companion',
      sourceId: i + 1,
      generation: 1,
      usage: {
        model: MODELS[(i >> 3) % MODELS.length],
        provider: 'openai',
        inputTokens: 800 + (i % 1200),
        outputTokens: 100 + (i % 400),
        cachedInputTokens: i % 3 === 0 ? 256 : 0,
        reasoningTokens: 0,
        costUsd: i % 7 === 0 ? 0.001 : null,
        timeToFirstTokenMs: 150 + (i % 50),
      },
    },
    errorType: failed ? ERRORS[(i >> 4) % ERRORS.length] : null,
  };
}

/** Seeds job_attempts (as the history writes it) and the rollups (as the usage domain writes them, per batch). */
function seed(db: Db, now: number): number {
  const rollups = usageRollups(db);
  const insert = db.prepare(
    `insert into job_attempts (connection_id, job_id, task, queue, attempt, max_attempts, started_at, finished_at, duration_ms,
       outcome, pool_id, source, source_id, model, provider, input_tokens, output_tokens, cached_input_tokens, reasoning_tokens,
       cost_usd, ttft_ms)
     values (?, ?, ?, null, 1, 5, ?, ?, ?, ?, 'pool-bench', 'companion', ?, ?, 'openai', ?, ?, ?, 0, ?, ?)`,
  );
  // The error type of a failure lives in failure_attempts; the raw question joins it.
  const failure = db.prepare(
    `insert into failure_attempts (connection_id, job_id, generation, task, attempt, max_attempts, at, error, error_type, duration_ms,
                                   pool_id, source, final)
     values (?, ?, 1, ?, 1, 5, ?, 'boom', ?, ?, 'pool-bench', 'companion', 0)`,
  );
  let rollupMs = 0;
  const write = db.transaction((batch: RecordedAttempt[]) => {
    for (const { attempt: a, errorType } of batch) {
      const u = a.usage!;
      insert.run(
        C,
        a.jobId,
        a.task,
        a.startedAt,
        a.finishedAt,
        a.durationMs,
        a.outcome,
        a.sourceId,
        u.model,
        u.inputTokens,
        u.outputTokens,
        u.cachedInputTokens,
        u.costUsd,
        u.timeToFirstTokenMs,
      );
      if (errorType) failure.run(C, a.jobId, a.task, a.finishedAt, errorType, a.durationMs);
    }
    const t0 = performance.now();
    rollups.add(batch);
    rollupMs += performance.now() - t0;
  });
  for (let i = 0; i < ATTEMPTS; i += BATCH) {
    const batch: RecordedAttempt[] = [];
    for (let j = i; j < Math.min(i + BATCH, ATTEMPTS); j++) batch.push(attemptAt(j, now));
    write(batch);
  }
  db.exec('analyze');
  return rollupMs / (ATTEMPTS / BATCH);
}

interface RawGroup {
  day: number;
  task: string;
  model: string;
  outcome: string;
  error_type: string | null;
  attempts: number;
  input: number;
  output: number;
  cached: number;
  task_cost: number;
  costed: number;
  open_input: number;
  open_cached: number;
  open_output: number;
}

/** The same question of the raw attempts: one grouped pass, then every duration per model for its percentiles. */
function rawSummary(db: Db, prices: ReturnType<typeof pricesRepo>, from: number) {
  const groups = db
    .prepare<[string, number], RawGroup>(
      `select a.finished_at / 86400000 as day, a.task, coalesce(a.model, '') as model, a.outcome, f.error_type,
              count(*) as attempts, sum(a.input_tokens) as input, sum(a.output_tokens) as output,
              sum(a.cached_input_tokens) as cached, sum(coalesce(a.cost_usd, 0)) as task_cost, count(a.cost_usd) as costed,
              sum(case when a.cost_usd is null then a.input_tokens end) as open_input,
              sum(case when a.cost_usd is null then a.cached_input_tokens end) as open_cached,
              sum(case when a.cost_usd is null then a.output_tokens end) as open_output
       from job_attempts a
       left join failure_attempts f on a.outcome = 'failure' and f.connection_id = a.connection_id and f.job_id = a.job_id
         and f.attempt = a.attempt and f.at = a.finished_at
       where a.connection_id = ? and a.finished_at >= ? and a.model is not null
       group by 1, 2, 3, 4, 5`,
    )
    .all(C, from);
  let cost = 0;
  for (const g of groups) {
    const p = prices.priceOn(g.model, new Date(g.day * 86_400_000).toISOString().slice(0, 10));
    cost +=
      g.task_cost +
      (p ? priceTokens(p, { inputTokens: g.open_input ?? 0, cachedInputTokens: g.open_cached ?? 0, outputTokens: g.open_output ?? 0 }) : 0);
  }
  const durations = new Map<string, number[]>();
  for (const r of db
    .prepare<[string, number], { model: string; d: number }>(
      `select model, duration_ms as d from job_attempts where connection_id = ? and finished_at >= ? and model is not null`,
    )
    .iterate(C, from)) {
    let list = durations.get(r.model);
    if (!list) durations.set(r.model, (list = []));
    list.push(r.d);
  }
  const p95 = [...durations.values()].map((l) => l.sort((a, b) => a - b)[Math.floor(l.length * 0.95)]);
  return { groups: groups.length, cost, p95 };
}

export default async function usageBench(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-usage-bench-'));
  try {
    const db = openStore(path.join(dir, 'jobdeck.sqlite'));
    const now = Date.now();
    const seedStart = performance.now();
    const rollupPerBatchMs = seed(db, now);
    const seedMs = performance.now() - seedStart;
    const prices = pricesRepo(db);
    const summaries = usageSummaries(db, prices);
    const { n: rollupRows } = db.prepare('select (select count(*) from usage_hours) + (select count(*) from usage_days) as n').get() as {
      n: number;
    };

    const summary = summaries.summary(C, '30d', now);
    const raw = rawSummary(db, prices, Math.floor((now - DAYS * 86_400_000) / 3_600_000) * 3_600_000 - 86_400_000);
    const candidateMs = await timeMedian(() => summaries.summary(C, '30d', now), 7);
    const baselineMs = await timeMedian(() => rawSummary(db, prices, now - 31 * 86_400_000), 3);
    db.close();
    return [
      {
        name: 'usage.summary, 30 d of 1M attempts',
        baseline: 'the same question of the raw attempts',
        baselineMs,
        candidateMs,
        notes:
          `${summary.totals.attempts} attempts, ${rollupRows} rollup rows, cost $${summary.totals.costUsd?.toFixed(2)} (raw: $${raw.cost.toFixed(2)}); ` +
          `rollups written in ${rollupPerBatchMs.toFixed(2)} ms per batch of ${BATCH}; seeded in ${(seedMs / 1000).toFixed(0)} s`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

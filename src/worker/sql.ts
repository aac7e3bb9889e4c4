import type pg from 'pg';
import { DURATION_BUCKET_COUNT, durationBucket } from './histogram.ts';
import type { JobRun } from './job-run.ts';

/**
 * One statement per flush: the attempts (one multi-row INSERT from one array per column), the per task and minute
 * rollups (one multi-row upsert) and the NOTIFY that wakes the console's reader, all in one round trip and one
 * transaction: rollups can never count an attempt that was not written, or twice. Columns as typed arrays cost
 * Postgres about a quarter less per row than the JSON array they replace (each `->>` and cast per field, measured:
 * about 12.7 -> 9.8 µs of the backend's CPU per row with the indexes); a column that is null in every row of the
 * batch is sent as an empty array, which `unnest` pads with nulls, so a batch without usage or errors sends nothing
 * for those columns.
 */
const FLUSH_SQL = `
with ins as (
  insert into jobdeck.attempts (
    job_id, task, queue, job_key, attempt, max_attempts, started_at, finished_at, duration_ms, outcome, error,
    pool_id, model, provider, input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, cost_usd,
    time_to_first_token_ms, raw_output)
  select a.job_id, a.task, a.queue, a.job_key, a.attempt, a.max_attempts,
    to_timestamp(a.started_ms / 1000), to_timestamp(a.finished_ms / 1000), a.duration_ms, a.outcome, a.error,
    $22::text, a.model, a.provider, a.input_tokens, a.output_tokens, a.cached_input_tokens, a.reasoning_tokens,
    a.cost_usd, a.ttft_ms, a.raw_output
  from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::float8[], $8::float8[],
              $9::float8[], $10::text[], $11::text[], $12::text[], $13::text[], $14::bigint[], $15::bigint[],
              $16::bigint[], $17::bigint[], $18::float8[], $19::float8[], $20::text[])
    as a(job_id, task, queue, job_key, attempt, max_attempts, started_ms, finished_ms, duration_ms, outcome, error,
         model, provider, input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, cost_usd, ttft_ms,
         raw_output)
  returning id
), roll as (
  insert into jobdeck.task_minutes as t (
    minute, task, shard, attempts, successes, failures, cancelled, duration_sum_ms, duration_max_ms,
    duration_buckets, input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, cost_usd)
  select to_timestamp((m->>0)::float8 / 1000), m->>1, $23::smallint, (m->>2)::int, (m->>3)::int, (m->>4)::int,
    (m->>5)::int, (m->>6)::float8, (m->>7)::float8, (m->>8)::int[], (m->>9)::bigint, (m->>10)::bigint,
    (m->>11)::bigint, (m->>12)::bigint, (m->>13)::float8
  from jsonb_array_elements($21::jsonb) as m
  on conflict (minute, task, shard) do update set
    attempts = t.attempts + excluded.attempts,
    successes = t.successes + excluded.successes,
    failures = t.failures + excluded.failures,
    cancelled = t.cancelled + excluded.cancelled,
    duration_sum_ms = t.duration_sum_ms + excluded.duration_sum_ms,
    duration_max_ms = greatest(t.duration_max_ms, excluded.duration_max_ms),
    duration_buckets = array(
      select coalesce(a, 0) + coalesce(b, 0)
      from unnest(t.duration_buckets, excluded.duration_buckets) with ordinality as u(a, b, i)
      order by i),
    input_tokens = t.input_tokens + excluded.input_tokens,
    output_tokens = t.output_tokens + excluded.output_tokens,
    cached_input_tokens = t.cached_input_tokens + excluded.cached_input_tokens,
    reasoning_tokens = t.reasoning_tokens + excluded.reasoning_tokens,
    cost_usd = t.cost_usd + excluded.cost_usd
)
select max(id)::text as max_id, count(*)::int as n,
  case when $24::boolean then pg_notify('jobdeck:attempts', max(id)::text) end as notified
from ins`;

/** How many columns the flush sends as arrays ($1..$20, in FLUSH_SQL's unnest order). */
const COLUMNS = 20;

export interface FlushResult {
  maxId: string | null;
  inserted: number;
}

export async function writeAttempts(
  client: pg.Client,
  poolId: string,
  shard: number,
  runs: readonly JobRun[],
  queueNames: ReadonlyMap<number, string>,
  notify: boolean,
): Promise<FlushResult> {
  const n = runs.length;
  const columns: unknown[][] = [];
  for (let c = 0; c < COLUMNS; c++) columns.push(new Array<unknown>(n));
  const [jobId, task, queue, jobKey, attempt, maxAttempts, started, finished, duration, outcome, error] = columns;
  const [model, provider, input, output, cached, reasoning, cost, ttft, raw] = columns.slice(11);
  for (let i = 0; i < n; i++) {
    const r = runs[i];
    jobId[i] = r.jobId;
    task[i] = r.task;
    queue[i] = r.queue ?? (r.queueId != null ? (queueNames.get(r.queueId) ?? null) : null);
    jobKey[i] = r.jobKey;
    attempt[i] = r.attempt;
    maxAttempts[i] = r.maxAttempts;
    started[i] = r.startedAtMs;
    finished[i] = r.finishedAtMs;
    duration[i] = r.durationMs;
    outcome[i] = r.outcome;
    error[i] = r.error;
    raw[i] = r.rawOutput;
    const u = r.usage;
    model[i] = u?.model ?? null;
    provider[i] = u?.provider ?? null;
    input[i] = u?.inputTokens ?? null;
    output[i] = u?.outputTokens ?? null;
    cached[i] = u?.cachedInputTokens ?? null;
    reasoning[i] = u?.reasoningTokens ?? null;
    cost[i] = u?.costUsd ?? null;
    ttft[i] = u?.timeToFirstTokenMs ?? null;
  }
  const values: unknown[] = columns.map((col) => (col.some((v) => v !== null) ? col : []));
  values.push(JSON.stringify(rollups(runs)), poolId, shard, notify);
  const { rows: out } = await client.query<{ max_id: string | null; n: number }>({
    name: 'jobdeck_flush_v4',
    text: FLUSH_SQL,
    values,
  });
  return { maxId: out[0]?.max_id ?? null, inserted: out[0]?.n ?? 0 };
}

interface Rollup {
  minute: number;
  task: string;
  attempts: number;
  successes: number;
  failures: number;
  cancelled: number;
  sum: number;
  max: number;
  buckets: number[];
  input: number;
  output: number;
  cached: number;
  reasoning: number;
  cost: number;
}

/** Sums a batch per (minute, task), sorted so concurrent upserts lock rows in one order (no deadlocks). */
export function rollups(runs: readonly JobRun[]): unknown[] {
  const byKey = new Map<string, Rollup>();
  for (const r of runs) {
    const minute = Math.floor(r.finishedAtMs / 60_000) * 60_000;
    const task = r.task;
    const key = `${minute}\u0000${task}`;
    let agg = byKey.get(key);
    if (!agg) {
      agg = {
        minute,
        task,
        attempts: 0,
        successes: 0,
        failures: 0,
        cancelled: 0,
        sum: 0,
        max: 0,
        buckets: new Array<number>(DURATION_BUCKET_COUNT).fill(0),
        input: 0,
        output: 0,
        cached: 0,
        reasoning: 0,
        cost: 0,
      };
      byKey.set(key, agg);
    }
    agg.attempts++;
    if (r.outcome === 'success') agg.successes++;
    else if (r.outcome === 'failure') agg.failures++;
    else agg.cancelled++;
    agg.sum += r.durationMs;
    if (r.durationMs > agg.max) agg.max = r.durationMs;
    agg.buckets[durationBucket(r.durationMs)]++;
    const u = r.usage;
    if (u) {
      agg.input += u.inputTokens ?? 0;
      agg.output += u.outputTokens ?? 0;
      agg.cached += u.cachedInputTokens ?? 0;
      agg.reasoning += u.reasoningTokens ?? 0;
      agg.cost += u.costUsd ?? 0;
    }
  }
  return [...byKey.values()]
    .sort((a, b) => a.minute - b.minute || (a.task < b.task ? -1 : a.task > b.task ? 1 : 0))
    .map((a) => [
      a.minute,
      a.task,
      a.attempts,
      a.successes,
      a.failures,
      a.cancelled,
      a.sum,
      a.max,
      `{${a.buckets.join(',')}}`,
      a.input,
      a.output,
      a.cached,
      a.reasoning,
      a.cost,
    ]);
}

export interface HeartbeatRow {
  poolId: string;
  workerIds: string[];
  host: string;
  pid: number;
  processStartedAt: Date;
  graphileWorkerVersion: string | null;
  companionVersion: string;
  concurrency: number;
  taskIdentifiers: string[];
  heartbeatIntervalMs: number;
  runningJobs: number;
  stats: Record<string, unknown>;
}

/**
 * Unanswered cancel requests for these jobs, with when each was made (the pool skips those its run's job was
 * retried after: see JobRun.changedSince). Only the jobdeck schema is read: the companion's role may have no
 * privilege on graphile-worker's tables.
 */
const pendingCancelsSql = (jobIds: string) => `select id::text as id, job_id::text as job_id,
  (extract(epoch from requested_at) * 1000)::float8 as requested_ms
from jobdeck.cancel_requests
where acknowledged_at is null and job_id = any(${jobIds}::bigint[])
order by id`;

/**
 * Registers or refreshes this pool's row (times from the database's clock, so hosts with skewed clocks agree)
 * and, in the same round trip, returns the pending cancel requests for the jobs this pool is running.
 */
const HEARTBEAT_SQL = `
with hb as (
  insert into jobdeck.workers as w (
    pool_id, worker_ids, host, pid, process_started_at, graphile_worker_version, companion_version, concurrency,
    task_identifiers, heartbeat_interval_ms, running_jobs, stats)
  values ($1, $2::text[], $3, $4, $5, $6, $7, $8, $9::text[], $10, $11, $12::jsonb)
  on conflict (pool_id) do update set
    last_heartbeat_at = now(),
    worker_ids = excluded.worker_ids,
    concurrency = excluded.concurrency,
    task_identifiers = excluded.task_identifiers,
    heartbeat_interval_ms = excluded.heartbeat_interval_ms,
    running_jobs = excluded.running_jobs,
    stats = excluded.stats
)
${pendingCancelsSql('$13')}`;

export interface PendingCancel {
  id: string;
  job_id: string;
  /** When the request was made (database clock, ms); absent for one already known to apply (cancel-on-start). */
  requested_ms?: number;
}

export async function heartbeat(client: pg.Client, row: HeartbeatRow, runningJobIds: string[]): Promise<PendingCancel[]> {
  const { rows } = await client.query<PendingCancel>({
    name: 'jobdeck_heartbeat_v2',
    text: HEARTBEAT_SQL,
    values: [
      row.poolId,
      row.workerIds,
      row.host,
      row.pid,
      row.processStartedAt,
      row.graphileWorkerVersion,
      row.companionVersion,
      row.concurrency,
      row.taskIdentifiers,
      row.heartbeatIntervalMs,
      row.runningJobs,
      JSON.stringify(row.stats),
      runningJobIds,
    ],
  });
  return rows;
}

export async function pendingCancels(client: pg.Client, jobIds: string[]): Promise<PendingCancel[]> {
  const { rows } = await client.query<PendingCancel>(pendingCancelsSql('$1'), [jobIds]);
  return rows;
}

export async function acknowledgeCancels(client: pg.Client, poolId: string, ids: string[]): Promise<void> {
  await client.query(
    `update jobdeck.cancel_requests set acknowledged_at = now(), acknowledged_by = $1
     where id = any($2::bigint[]) and acknowledged_at is null`,
    [poolId, ids],
  );
}

/**
 * Pending again, for the job's next attempt: the attempt it reached failed on its own first and graphile-worker
 * retries the job. 'not_honoured' (the attempt ran on past the timeout) is cleared with it; not_honoured_at stays.
 */
export async function reopenCancels(client: pg.Client, ids: string[]): Promise<void> {
  await client.query(
    `update jobdeck.cancel_requests set acknowledged_at = null, acknowledged_by = null, outcome = null, outcome_at = null
     where id = any($1::bigint[]) and (outcome is null or outcome = 'not_honoured')`,
    [ids],
  );
}

export type CancelOutcome = 'cancelled' | 'completed' | 'failed' | 'not_honoured';

export async function setCancelOutcome(client: pg.Client, ids: string[], outcome: CancelOutcome): Promise<void> {
  if (outcome === 'not_honoured') {
    await client.query(
      `update jobdeck.cancel_requests set outcome = 'not_honoured', outcome_at = now(), not_honoured_at = now()
       where id = any($1::bigint[]) and outcome is null`,
      [ids],
    );
  } else {
    // A late end after 'not_honoured' still records how the job finally ended; not_honoured_at keeps the story.
    await client.query(
      `update jobdeck.cancel_requests set outcome = $2, outcome_at = now()
       where id = any($1::bigint[]) and (outcome is null or outcome = 'not_honoured')`,
      [ids, outcome],
    );
  }
}

export async function markStopped(client: pg.Client, poolId: string): Promise<void> {
  await client.query(`update jobdeck.workers set stopped_at = now(), last_heartbeat_at = now(), running_jobs = 0 where pool_id = $1`, [
    poolId,
  ]);
}

/** Deletes one bounded batch of old rows; returns how many went. */
export async function retentionBatch(
  client: pg.Client,
  table: 'attempts' | 'task_minutes' | 'workers' | 'cancel_requests',
  olderThanSeconds: number,
  limit: number,
): Promise<number> {
  const sql = {
    attempts: `delete from jobdeck.attempts where id in (
      select id from jobdeck.attempts where finished_at < now() - make_interval(secs => $1) limit $2)`,
    task_minutes: `delete from jobdeck.task_minutes where (minute, task, shard) in (
      select minute, task, shard from jobdeck.task_minutes where minute < now() - make_interval(secs => $1) limit $2)`,
    workers: `delete from jobdeck.workers where pool_id in (
      select pool_id from jobdeck.workers
      where coalesce(stopped_at, last_heartbeat_at) < now() - make_interval(secs => $1) limit $2)`,
    cancel_requests: `delete from jobdeck.cancel_requests where id in (
      select id from jobdeck.cancel_requests where requested_at < now() - make_interval(secs => $1) limit $2)`,
  }[table];
  const res = await client.query(sql, [olderThanSeconds, limit]);
  return res.rowCount ?? 0;
}

import type pg from 'pg';
import { z } from 'zod';
import type { IdGap } from './attempt-cursor.ts';
import type { ExactAttempt, ReportedUsage } from './exact-attempts.ts';
import { MAX_RAW_OUTPUT_BYTES } from '../../shared/model/usage.ts';

/**
 * Reading `jobdeck.attempts` (written by the companion, docs/companion-schema.sql) page by page, and judging each
 * row before it reaches the history: the table is in the user's database, so a row may be malformed or hostile
 * (constraints dropped, hand-written rows). Nothing here trusts a column: text is cut in Postgres, numbers are
 * checked with zod, and a bad row is refused with its reason instead of stopping the reader.
 */

/** graphile-worker's attempts and max_attempts are smallints. */
const MAX_ATTEMPT = 32_767;
/** No attempt of a job runs a week (graphile-worker frees locks after 4 hours). */
const MAX_DURATION_MS = 7 * 24 * 3600_000;
/** The companion writes at most 64 KiB of error text; a row with far more was not written by it. */
export const MAX_ERROR_BYTES = 1024 * 1024;
/** Error text read per row: the companion's own bound (the history keeps less, see MAX_ERROR_CHARS). */
const ERROR_READ_CHARS = 64 * 1024;
const MAX_NAME = 512;
/** A finish before the start by more than this (clocks read twice in one process) is not a real attempt. */
const CLOCK_SLACK_MS = 1_000;
/** A worker's clock may run ahead of this console's, but not by a day. */
const MAX_CLOCK_AHEAD_MS = 24 * 3600_000;

const digits = (max: number) =>
  z
    .string()
    .regex(new RegExp(`^[1-9]\\d{0,${max - 1}}$`), 'must be a positive integer')
    .refine((s) => Number.isSafeInteger(Number(s)), 'beyond 2^53');
const times = z.number().gt(0, 'must be a time after 1970');

/** A row as `readPage` selects it; what it must be to count as an attempt. */
const attemptRowSchema = z
  .object({
    job_id: digits(16),
    task: z.string().min(1).max(MAX_NAME),
    queue: z.string().min(1).max(MAX_NAME).nullable(),
    attempt: z.number().int().min(1).max(MAX_ATTEMPT),
    max_attempts: z.number().int().min(1).max(MAX_ATTEMPT),
    started_ms: times,
    finished_ms: times,
    duration_ms: z.number().min(0).max(MAX_DURATION_MS),
    outcome: z.enum(['success', 'failure', 'cancelled']),
    error: z.string().nullable(),
    error_bytes: z.number().int().max(MAX_ERROR_BYTES, `error text beyond ${MAX_ERROR_BYTES} bytes`).nullable(),
    pool_id: z.string().min(1).max(200),
  })
  .refine((r) => r.finished_ms >= r.started_ms - CLOCK_SLACK_MS, 'finished before it started')
  .refine((r) => r.finished_ms <= Date.now() + MAX_CLOCK_AHEAD_MS, 'finished more than a day in the future');

/** The companion's own bounds on usage (src/worker/usage.ts): a value beyond them was not written by it. */
const MAX_TOKENS = 1e12;
const MAX_COST_USD = 1e6;
const MAX_TTFT_MS = 24 * 3600_000;
const MAX_MODEL = 200;

const tokens = z
  .string()
  .regex(/^\d{1,13}$/)
  .transform(Number)
  .pipe(z.number().max(MAX_TOKENS));
const usageFields = {
  input_tokens: tokens,
  output_tokens: tokens,
  cached_input_tokens: tokens,
  reasoning_tokens: tokens,
  cost_usd: z.number().min(0).max(MAX_COST_USD),
  time_to_first_token_ms: z.number().min(0).max(MAX_TTFT_MS),
};
type UsageField = keyof typeof usageFields;

/**
 * A row's usage, each field judged alone: a bad value (negative, fractional, absurd, NaN) is dropped and named,
 * the rest kept, and the attempt itself is recorded whatever its usage says. Null when the row has no usage.
 */
export function judgeUsage(row: Record<string, unknown>): { usage: ReportedUsage | null; dropped: string[] } {
  const dropped: string[] = [];
  const num = (field: UsageField): number | null => {
    const v = row[field];
    if (v === null || v === undefined) return null;
    const parsed = usageFields[field].safeParse(v);
    if (parsed.success) return parsed.data;
    dropped.push(field);
    return null;
  };
  const text = (v: unknown, max: number): string | null => (typeof v === 'string' && v.length > 0 ? v.slice(0, max) : null);
  const usage: ReportedUsage = {
    model: text(row.model, MAX_MODEL),
    provider: text(row.provider, 100),
    inputTokens: num('input_tokens'),
    outputTokens: num('output_tokens'),
    cachedInputTokens: num('cached_input_tokens'),
    reasoningTokens: num('reasoning_tokens'),
    costUsd: num('cost_usd'),
    timeToFirstTokenMs: num('time_to_first_token_ms'),
  };
  // Cached input is part of the input: more cached than input tokens is not a usage any provider reports.
  if (usage.cachedInputTokens !== null && usage.inputTokens !== null && usage.cachedInputTokens > usage.inputTokens) {
    dropped.push('cached_input_tokens');
    usage.cachedInputTokens = null;
  }
  const any = Object.values(usage).some((v) => v !== null);
  return { usage: any ? usage : null, dropped };
}

/** A row judged good: an attempt as the companion reported it (ids are exact JS numbers), before it is recorded. */
export type CompanionAttempt = { id: number } & Omit<ExactAttempt, 'connectionId' | 'source' | 'sourceId' | 'generation'>;

/** A row recorded without some of its usage values (they were out of bounds). */
export interface UsageDropped {
  id: bigint;
  fields: string[];
}

export interface RejectedRow {
  id: bigint;
  reason: string;
}

/** One page: the good rows, the refused ones, every id returned, and the snapshot it was read in. */
export interface AttemptsPage {
  attempts: CompanionAttempt[];
  rejected: RejectedRow[];
  usageDropped: UsageDropped[];
  ids: bigint[];
  /** The statement's snapshot (txid): transactions below xmin had finished, from xmax on had not started. */
  xmin: bigint;
  xmax: bigint;
}

interface PageRow {
  xmin: string;
  xmax: string;
  id: string | null;
  [column: string]: unknown;
}

/**
 * Rows with `id > above`, and those in the gaps below it (ids not read yet, see AttemptCursor), in id order; the
 * snapshot comes from the same statement, so it tells which transactions the rows could not see yet. The rows come
 * from one index range scan above and one per gap, each with the page's limit, merged in id order (a page with many
 * gaps full of late rows reads more rows than it returns, until they are read). Not ids first and then a join on
 * them: the planner hashed that join over a seq scan of the whole table, for every page.
 * Columns are cut and cast so that no row can make the statement fail or send megabytes: a 10 MB error costs its
 * first 64 KiB and its size.
 */
const pageSql = (rawOutput: boolean) => `
select txid_snapshot_xmin(s.snap)::text as xmin, txid_snapshot_xmax(s.snap)::text as xmax, a.*
from (select txid_current_snapshot() as snap) s
left join lateral (
  select a.id::text as id, a.job_id::text as job_id, left(a.task, ${MAX_NAME + 1}) as task, left(a.queue, ${MAX_NAME + 1}) as queue,
         a.attempt, a.max_attempts,
         (extract(epoch from a.started_at) * 1000)::float8 as started_ms,
         (extract(epoch from a.finished_at) * 1000)::float8 as finished_ms,
         a.duration_ms::float8 as duration_ms, left(a.outcome, 40) as outcome,
         left(a.error, ${ERROR_READ_CHARS}) as error, octet_length(a.error) as error_bytes, left(a.pool_id, 201) as pool_id,
         left(a.model, ${MAX_MODEL + 1}) as model, left(a.provider, 101) as provider,
         a.input_tokens::text as input_tokens, a.output_tokens::text as output_tokens,
         a.cached_input_tokens::text as cached_input_tokens, a.reasoning_tokens::text as reasoning_tokens,
         a.cost_usd::float8 as cost_usd, a.time_to_first_token_ms::float8 as time_to_first_token_ms,
         ${rawOutput ? `left(a.raw_output, ${MAX_RAW_OUTPUT_BYTES})` : 'null::text'} as raw_output
  from (
    (select * from jobdeck.attempts where id > $1::bigint order by id limit $4)
    union all
    (select g.* from unnest($2::bigint[], $3::bigint[]) as r(first, last)
     cross join lateral (select * from jobdeck.attempts where id between r.first and r.last order by id limit $4) g)
  ) a
  order by a.id
  limit $4
) a on true`;

/** Exported for the test that reads its plan. */
export const PAGE_SQL = pageSql(false);
const PAGE_SQL_RAW = pageSql(true);

/** Reads one page and judges its rows; `rawOutput`: the schema has jobdeck.attempts.raw_output (version 2). */
export async function readPage(
  db: Pick<pg.Pool, 'query'>,
  unread: { above: bigint; gaps: readonly IdGap[] },
  limit: number,
  rawOutput = false,
): Promise<AttemptsPage> {
  const { above, gaps } = unread;
  const { rows } = await db.query<PageRow>(rawOutput ? PAGE_SQL_RAW : PAGE_SQL, [
    above.toString(),
    gaps.map((g) => g.first.toString()),
    gaps.map((g) => g.last.toString()),
    limit,
  ]);
  const page: AttemptsPage = {
    attempts: [],
    rejected: [],
    usageDropped: [],
    ids: [],
    xmin: BigInt(rows[0].xmin),
    xmax: BigInt(rows[0].xmax),
  };
  for (const row of rows) {
    if (row.id === null) continue;
    const id = BigInt(row.id);
    page.ids.push(id);
    const judged = judgeRow(id, row);
    if ('reason' in judged) page.rejected.push(judged);
    else {
      const { usage, dropped } = judgeUsage(row);
      if (dropped.length) page.usageDropped.push({ id, fields: dropped });
      const raw = row.raw_output;
      page.attempts.push({ ...judged, usage, rawOutput: typeof raw === 'string' && raw.length > 0 ? raw : null });
    }
  }
  return page;
}

/** One row: an attempt, or the reason it is refused (every problem of the row, in one line). */
export function judgeRow(id: bigint, row: Record<string, unknown>): CompanionAttempt | RejectedRow {
  if (id > BigInt(Number.MAX_SAFE_INTEGER)) return { id, reason: 'id beyond 2^53' };
  const parsed = attemptRowSchema.safeParse(row);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ');
    return { id, reason: reason.slice(0, 500) };
  }
  const r = parsed.data;
  return {
    id: Number(id),
    jobId: Number(r.job_id),
    task: r.task,
    queue: r.queue,
    attempt: r.attempt,
    maxAttempts: r.max_attempts,
    startedAt: r.started_ms,
    finishedAt: r.finished_ms,
    durationMs: r.duration_ms,
    outcome: r.outcome,
    error: r.error,
    poolId: r.pool_id,
  };
}

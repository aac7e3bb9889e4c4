/** LLM usage and cost as the console shows it: per attempt, rolled up per task, model and hour, and priced. */

/** Windows of the Usage view. Rollups are hourly: a window starts at the top of its first hour. */
export const USAGE_WINDOWS = { '1h': 1, '24h': 24, '7d': 7 * 24, '30d': 30 * 24 } as const;
export type UsageWindow = keyof typeof USAGE_WINDOWS;

/** Upper bounds (ms) of the latency buckets kept per model and hour (the companion's duration bounds). */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000,
];
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** The raw model output kept per attempt, at most (UTF-8 bytes, as the companion bounds it). */
export const MAX_RAW_OUTPUT_BYTES = 64 * 1024;

/** One attempt's usage as its worker reported it; cost priced from the table when the task gave none. */
export interface AttemptUsage {
  model: string | null;
  provider: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  reasoningTokens: number | null;
  /** USD: the task's own figure, else priced from the table; null: no price for this model. */
  costUsd: number | null;
  costSource: 'task' | 'price_table' | 'no_price';
  timeToFirstTokenMs: number | null;
}

/** One model's prices, USD per million tokens, from a date (UTC) on. */
export interface ModelPrice {
  model: string;
  /** YYYY-MM-DD: the price holds from this day until the next entry of the same model. */
  validFrom: string;
  inputPerMillion: number;
  /** Input tokens read from the provider's cache; absent: charged as input. */
  cachedInputPerMillion: number | null;
  outputPerMillion: number;
  /** A default shipped with Jobdeck, to check against the provider's current list. */
  isDefault: boolean;
}

export interface PriceTable {
  prices: ModelPrice[];
  /** When the operator last changed it (ISO); null: the defaults, never edited. */
  updatedAt: string | null;
  /** Models Jobdeck ships a price for that the table has no price of (removed, or an import without them). */
  builtInMissing: string[];
}

/** Tokens and cost of a group of attempts. `costUsd` counts what is priced; `unpricedAttempts` what is not. */
export interface UsageFigures {
  attempts: number;
  successes: number;
  failures: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  /** null: none of these attempts has a cost (no price for their model, none given by the task). */
  costUsd: number | null;
  /** Attempts whose cost is unknown (model without a price, no cost given): their tokens count, their cost does not. */
  unpricedAttempts: number;
}

export interface TaskUsage extends UsageFigures {
  task: string;
  /** Cost of all attempts (failed ones included) divided by the successful ones; null without either. */
  costPerSuccessUsd: number | null;
}

export interface ModelUsage extends UsageFigures {
  model: string;
  durationP50Ms: number | null;
  durationP95Ms: number | null;
  /** Mean time to the first token, where tasks reported it. */
  ttftMeanMs: number | null;
  ttftP50Ms: number | null;
  /** Whether a price applies to this model (at the window's end). */
  priced: boolean;
}

export interface UsageDay extends UsageFigures {
  /** The slot's start (ISO): a day, or an hour for the 1h and 24h windows. */
  at: string;
}

/** What failed attempts burned, by error type (the history's taxonomy when they were recorded). */
export interface FailureCost {
  errorType: string;
  attempts: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  unpricedAttempts: number;
}

export interface UsageSummary {
  connectionId: string | null;
  window: UsageWindow;
  /** The first hour counted (ISO) and the slot size of `series`. */
  from: string;
  slot: 'hour' | 'day';
  totals: UsageFigures & { costPerSuccessUsd: number | null };
  byTask: TaskUsage[];
  byModel: ModelUsage[];
  series: UsageDay[];
  failures: FailureCost[];
}

/** The bill of running `jobs` more attempts of a task, from its recent average per attempt. */
export interface TaskEstimate {
  task: string;
  jobs: number;
  /** Attempts the average is taken over (last 7 days); 0: no usage recorded for this task yet. */
  basedOnAttempts: number;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
}

export interface UsageEstimate {
  tasks: TaskEstimate[];
  inputTokens: number;
  outputTokens: number;
  /** null: no task of these has a priced average. */
  costUsd: number | null;
  /** Jobs of tasks with no usage recorded yet (not in the figures). */
  jobsWithoutHistory: number;
  /** Always true: this is the recent average times the jobs, not a quote. */
  estimate: true;
}

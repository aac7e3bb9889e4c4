import type { UsageFigures } from '../../shared/model/usage.ts';

/** One group of rollup rows as read, with its cost worked out (see summary.ts): the same figures. */
export type PricedRow = UsageFigures;

export const emptyFigures = (): UsageFigures => ({
  attempts: 0,
  successes: 0,
  failures: 0,
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  reasoningTokens: 0,
  costUsd: null,
  unpricedAttempts: 0,
});

/** Adds a row into figures: a cost stays null until some attempt's cost is known. */
export function addFigures<F extends UsageFigures>(f: F, r: PricedRow): F {
  f.attempts += r.attempts;
  f.successes += r.successes;
  f.failures += r.failures;
  f.inputTokens += r.inputTokens;
  f.outputTokens += r.outputTokens;
  f.cachedInputTokens += r.cachedInputTokens;
  f.reasoningTokens += r.reasoningTokens;
  if (r.costUsd !== null) f.costUsd = (f.costUsd ?? 0) + r.costUsd;
  f.unpricedAttempts += r.unpricedAttempts;
  return f;
}

/** All attempts' cost (failed ones included) per successful one. */
export const costPerSuccess = (f: UsageFigures): number | null => (f.costUsd !== null && f.successes > 0 ? f.costUsd / f.successes : null);

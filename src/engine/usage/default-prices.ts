import type { ModelPrice } from '../../shared/model/usage.ts';

/**
 * A few common models' list prices (USD per million tokens) as published by their providers in 2025, shipped as
 * a starting point and marked as defaults: providers change them, so the operator should check them against the
 * current price pages (openai.com/api/pricing, anthropic.com/pricing) and edit or import their own.
 */
export const DEFAULT_PRICES: readonly ModelPrice[] = [
  { model: 'gpt-4o', inputPerMillion: 2.5, cachedInputPerMillion: 1.25, outputPerMillion: 10 },
  { model: 'gpt-4o-mini', inputPerMillion: 0.15, cachedInputPerMillion: 0.075, outputPerMillion: 0.6 },
  { model: 'gpt-4.1', inputPerMillion: 2, cachedInputPerMillion: 0.5, outputPerMillion: 8 },
  { model: 'gpt-4.1-mini', inputPerMillion: 0.4, cachedInputPerMillion: 0.1, outputPerMillion: 1.6 },
  { model: 'gpt-4.1-nano', inputPerMillion: 0.1, cachedInputPerMillion: 0.025, outputPerMillion: 0.4 },
  { model: 'claude-sonnet-4', inputPerMillion: 3, cachedInputPerMillion: 0.3, outputPerMillion: 15 },
  { model: 'claude-3-5-haiku', inputPerMillion: 0.8, cachedInputPerMillion: 0.08, outputPerMillion: 4 },
].map((p) => ({ ...p, validFrom: '2024-01-01', isDefault: true }));

import type { ModelPrice, PriceTable } from '../../shared/model/usage.ts';
import { writeTransaction, type Db } from '../store/db.ts';
import { DEFAULT_PRICES } from './default-prices.ts';
import { settingsTable } from '../store/settings.ts';

/** settings key: when the operator last set the table (absent: never, the defaults apply). */
const UPDATED_KEY = 'usage.prices.updated_at';

interface PriceRow {
  model: string;
  valid_from: string;
  input_per_million: number;
  cached_input_per_million: number | null;
  output_per_million: number;
  is_default: number;
}

/** A model's price on a day (YYYY-MM-DD), or null. */
export type ModelPriceLookup = (model: string, day: string) => ModelPrice | null;

/** Tokens to price: input includes the cached part, which has its own price when the table gives one. */
export interface TokensToPrice {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
}

/** USD for these tokens at this price. */
export function priceTokens(p: ModelPrice, t: TokensToPrice): number {
  const cached = Math.min(t.cachedInputTokens, t.inputTokens);
  const cachedRate = p.cachedInputPerMillion ?? p.inputPerMillion;
  return ((t.inputTokens - cached) * p.inputPerMillion + cached * cachedRate + t.outputTokens * p.outputPerMillion) / 1e6;
}

/**
 * A provider's dated or versioned name of a priced model: `gpt-4o-2024-08-06`, `claude-3-5-haiku-20241022`,
 * `gpt-4-0613`, `claude-3-5-haiku-latest`, `...-20240307-v1:0` (Bedrock), `gemini-1.5-pro-002`, Anthropic's
 * `claude-sonnet-4-0` (Sonnet 4 itself), and Vertex's `claude-sonnet-4@20250514`. Never another model that shares
 * its start: `gpt-4o-mini` is not `gpt-4o` (priced at 16 times its rate when gpt-4o-mini had no row of its own), nor
 * is `claude-opus-4-1` `claude-opus-4`.
 */
export function isVersionOf(model: string, priced: string): boolean {
  if (!model.startsWith(priced)) return false;
  const rest = model.slice(priced.length + 1);
  const separator = model[priced.length];
  return separator === '-' ? VERSION_SUFFIX.test(rest) : separator === '@' && VERTEX_VERSION.test(rest);
}
const VERSION_SUFFIX = /^(?:(?:0|latest|\d{3}|\d{4}|\d{4}-\d{2}-\d{2}|\d{6}|\d{8})(?:-v\d+(?::\d+)?)?|v\d+(?::\d+)?)$/;
const VERTEX_VERSION = /^(?:\d{3}|\d{8}|latest)$/;

/** The price table (usage_prices), the defaults until the operator sets one, and the lookup of a model's price on a day. */
export function pricesRepo(db: Db) {
  const all = db.prepare<[], PriceRow>('select * from usage_prices order by model, valid_from');
  const clear = db.prepare('delete from usage_prices');
  const insert = db.prepare(
    `insert into usage_prices (model, valid_from, input_per_million, cached_input_per_million, output_per_million, is_default)
     values (@model, @validFrom, @inputPerMillion, @cachedInputPerMillion, @outputPerMillion, @isDefault)`,
  );
  const settings = settingsTable(db);

  let cache: ModelPrice[] | null = null;
  /** Per model, its prices newest first; a reported model name also matches a priced one it starts with plus '-'. */
  let byModel: Map<string, ModelPrice[]> | null = null;

  const replace = writeTransaction(db, (prices: readonly ModelPrice[]) => {
    clear.run();
    for (const p of prices) insert.run({ ...p, isDefault: p.isDefault ? 1 : 0 });
  });

  const load = (): ModelPrice[] => {
    if (cache) return cache;
    if (settings.text(UPDATED_KEY) === null && all.all().length === 0) replace(DEFAULT_PRICES);
    cache = all.all().map((r) => ({
      model: r.model,
      validFrom: r.valid_from,
      inputPerMillion: r.input_per_million,
      cachedInputPerMillion: r.cached_input_per_million,
      outputPerMillion: r.output_per_million,
      isDefault: r.is_default === 1,
    }));
    byModel = new Map();
    for (const p of cache) {
      const list = byModel.get(p.model) ?? [];
      list.push(p);
      byModel.set(p.model, list);
    }
    for (const list of byModel.values()) list.sort((a, b) => (a.validFrom < b.validFrom ? 1 : -1));
    return cache;
  };

  const entriesFor = (model: string): ModelPrice[] | undefined => {
    load();
    const exact = byModel!.get(model);
    if (exact) return exact;
    // 'gpt-4o-mini-2024-07-18' is priced as 'gpt-4o-mini': the longest priced name it extends with a version.
    let best: string | null = null;
    for (const name of byModel!.keys()) if (isVersionOf(model, name) && (best === null || name.length > best.length)) best = name;
    return best === null ? undefined : byModel!.get(best);
  };

  /** The price of `model` on `day` (YYYY-MM-DD): its latest entry from that day or before; null: no price. */
  const priceOn = (model: string, day: string): ModelPrice | null => {
    if (!model) return null;
    const list = entriesFor(model);
    return list?.find((p) => p.validFrom <= day) ?? null;
  };

  /** The built-in prices of models the table has no price of. */
  const unpricedDefaults = (): ModelPrice[] => {
    const priced = new Set(load().map((p) => p.model));
    return DEFAULT_PRICES.filter((p) => !priced.has(p.model));
  };

  const table = (): PriceTable => ({
    prices: load(),
    updatedAt: settings.text(UPDATED_KEY),
    builtInMissing: unpricedDefaults().map((p) => p.model),
  });

  /** Replaces the whole table (an import is a replace too). */
  const set = (prices: readonly ModelPrice[]): PriceTable => {
    replace(prices);
    settings.setText(UPDATED_KEY, new Date().toISOString());
    cache = null;
    return table();
  };

  return {
    table,
    set,
    /** Adds back the built-in prices of models the table has no price of; every row the operator has is kept. */
    restoreDefaults(): PriceTable {
      return set([...load(), ...unpricedDefaults()]);
    },
    priceOn,
    /** priceOn, remembered per model and day: for one read that prices many rows. */
    lookup(): ModelPriceLookup {
      const seen = new Map<string, ModelPrice | null>();
      return (model, day) => {
        const key = `${model}\u0000${day}`;
        let p = seen.get(key);
        if (p === undefined) seen.set(key, (p = priceOn(model, day)));
        return p;
      };
    },
  };
}

export type PricesRepo = ReturnType<typeof pricesRepo>;

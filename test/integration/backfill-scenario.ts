import type pg from 'pg';

/**
 * A shop of 1,000 products in 4 categories; 300 of them (ids ending in 0, 3 or 7) lack their enrichment.
 * Expected figures are computed here from the same rule the SQL follows, never read back from the database.
 */
export const CATEGORIES = ['books', 'games', 'tools', 'garden'] as const;
export const PRODUCTS = 1000;
export const categoryOf = (id: number) => CATEGORIES[id % 4];
export const lacksOutput = (id: number) => [0, 3, 7].includes(id % 10);
export const LACKING = Array.from({ length: PRODUCTS }, (_, i) => i + 1).filter(lacksOutput);

export const RULE_QUERY = `select p.id from shop.products p
  where not exists (select 1 from shop.product_enrichments e where e.product_id = p.id)
  order by p.id -- oldest first`;

/** The rule the tests save (task enrich_product, payload { productId }). */
export const rule = (overrides: Record<string, unknown> = {}) => ({
  name: 'Products without enrichment',
  query: RULE_QUERY,
  task: 'enrich_product',
  payloadKey: 'productId',
  batchSize: 25,
  maxAttempts: 1,
  ...overrides,
});

export async function seedShop(pool: pg.Pool): Promise<void> {
  await pool.query(`
    create schema shop;
    create table shop.products (id bigint primary key, category text not null, title text not null);
    create table shop.product_enrichments (product_id bigint primary key references shop.products (id), data jsonb not null);
    create sequence shop.counter;`);
  await pool.query(
    `insert into shop.products (id, category, title) select i, ($1::text[])[i % 4 + 1], 'Product ' || i from generate_series(1, $2::int) i`,
    [CATEGORIES, PRODUCTS],
  );
  await pool.query(
    `insert into shop.product_enrichments (product_id, data) select i, '{"ok": true}' from generate_series(1, $1::int) i
      where i % 10 not in (0, 3, 7)`,
    [PRODUCTS],
  );
}

/** Row counts and the sequence's state: what a refused rule must leave exactly as it was. */
export async function fingerprint(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query(
    `select (select count(*) from shop.products) as products, (select count(*) from shop.product_enrichments) as enrichments,
            (select count(*) from graphile_worker._private_jobs) as jobs, (select last_value from shop.counter) as seq,
            (select is_called from shop.counter) as called,
            (select count(*) from pg_tables where schemaname = 'shop') as tables,
            (select md5(string_agg(id || title, ',' order by id)) from shop.products) as titles`,
  );
  return JSON.stringify(rows[0]);
}

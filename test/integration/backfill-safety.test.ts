import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { fingerprint, LACKING, rule, seedShop } from './backfill-scenario.ts';

let db: TestPostgres;
let te: TestEngine;

before(async () => {
  db = await startTestPostgres();
  await seedShop(db.pool);
  te = await startTestEngine({ databaseUrl: db.connectionString, runner: false });
});
after(async () => {
  await te?.close();
  await db?.close();
});

/** Rules that try to change something; every one must be refused and leave the database as it was. */
const HOSTILE: [string, string][] = [
  ['insert', `insert into shop.product_enrichments (product_id, data) values (3, '{}') returning product_id`],
  ['update', `update shop.products set title = 'x' returning id`],
  ['delete', `delete from shop.product_enrichments returning product_id`],
  ['DDL drop', `drop table shop.product_enrichments`],
  ['DDL create', `create table shop.evil (id int)`],
  ['truncate', `truncate shop.product_enrichments`],
  ['select; delete', `select id from shop.products; delete from shop.product_enrichments`],
  ['select; commit; delete', `select 1; commit; delete from shop.product_enrichments`],
  ['break out of the subquery', `select id from shop.products) x(k); delete from shop.product_enrichments; select 1 from (select 1`],
  ['data-modifying WITH', `with d as (delete from shop.product_enrichments returning product_id) select product_id from d`],
  ['nextval', `select nextval('shop.counter')`],
  ['setval', `select setval('shop.counter', 42)`],
  ['session advisory lock', `select pg_advisory_lock(42)::text`],
  ['transaction advisory lock', `select pg_advisory_xact_lock(42)::text`],
  ['set transaction read write', `select set_config('transaction_read_only', 'off', true)`],
  ['add_job', `select (graphile_worker.add_job('evil', '{}'::json)).id`],
  ['copy', `copy shop.products to stdout`],
];

for (const [what, query] of HOSTILE) {
  test(`a rule with ${what} is refused with a clear error and changes nothing`, async () => {
    const before = await fingerprint(db.pool);
    const result = await te.engine.call('backfill.preview', { target: { rule: rule({ query }) } });
    assert.equal(result.ok, false, `${what} must be refused`);
    if (!result.ok) {
      assert.equal(result.error.code, 'invalid_input', result.error.message);
      assert.match(result.error.message, /rule's query/);
    }
    assert.equal(await fingerprint(db.pool), before);
  });
}

test('a refused saved rule logs the failed run and queues nothing', async () => {
  const saved = await te.call('backfill.save', { rule: rule({ name: 'sequence', query: `select nextval('shop.counter')` }) });
  const before = await fingerprint(db.pool);
  const result = await te.engine.call('backfill.run', { id: saved.id });
  assert.equal(result.ok, false);
  assert.equal(await fingerprint(db.pool), before);
  const runs = await te.call('backfill.runs', { id: saved.id });
  assert.equal(runs.length, 1);
  assert.match(runs[0].error ?? '', /read-only/);
  assert.equal(runs[0].enqueued, 0);
});

/** pg_locks shows the whole cluster, which other test files share: this database's locks only. */
const HERE = `database = (select oid from pg_database where datname = current_database())`;

test('no advisory lock outlives a refused rule (its connection is closed)', async () => {
  const result = await te.engine.call('backfill.preview', { target: { rule: rule({ query: `select pg_advisory_lock(4242)::text` }) } });
  assert.equal(result.ok, false, 'the rule is refused');
  const { rows } = await db.pool.query<{ n: number }>(
    `select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = 4242 and ${HERE}`,
  );
  assert.equal(rows[0].n, 0);
});

test('a rule that would act on the server (end sessions, read its files, run SQL from text) is refused before it runs', async () => {
  // A session of its own that a pg_terminate_backend of every other backend would end (a count of the cluster's
  // sessions moves with the other test files sharing it).
  const bystander = new pg.Client({ connectionString: db.connectionString, application_name: 'bystander' });
  await bystander.connect();
  for (const [query, fn] of [
    [`select pg_terminate_backend(pid)::text from pg_stat_activity where pid <> pg_backend_pid()`, 'pg_terminate_backend'],
    [`select "PG_READ_FILE"('/etc/hostname') /* quoted */`, 'pg_read_file'],
    [`select query_to_xml('select pg_cancel' || '_backend(1)', true, false, '')::text`, 'query_to_xml'],
    // A comment opened inside a string hides nothing: strings go before comments are taken out.
    [`select id::text from shop.products where '--' <> '' and pg_terminate_backend(pg_backend_pid())`, 'pg_terminate_backend'],
    [`select ts_stat('select to_tsvector(pg_termin' || 'ate_backend(1)::text)')::text`, 'ts_stat'],
  ]) {
    const result = await te.engine.call('backfill.preview', { target: { rule: rule({ query }) } });
    assert.equal(!result.ok && result.error.code, 'invalid_input', query);
    assert.match(!result.ok ? result.error.message : '', new RegExp(`calls ${fn}\\(\\).*nothing was run`), query);
  }
  // A name spelled with U& escapes could be any function: refused as such.
  const escaped = await te.engine.call('backfill.preview', {
    target: { rule: rule({ query: `select U&"pg_terminate\\005fbackend"(pg_backend_pid())::text` }) },
  });
  assert.match(!escaped.ok ? escaped.error.message : '', /calls a U&"…" name/);
  // A string that only names such a function is not a call of it.
  const named = await te.engine.call('backfill.preview', {
    target: { rule: rule({ query: `select id::text from shop.products where 'pg_read_file(' <> ''` }) },
  });
  assert.equal(named.ok, true, JSON.stringify(named));
  // Still connected: nothing ended it.
  assert.deepEqual((await bystander.query<{ ok: number }>('select 1 as ok')).rows, [{ ok: 1 }], 'no session was ended');
  await bystander.end();
});

test('a slow rule is cancelled by its timeout', async () => {
  // The query would sleep 5 s per product (over an hour): only the 1 s timeout can end it.
  const result = await te.engine.call('backfill.preview', {
    target: { rule: rule({ query: `select id from shop.products, pg_sleep(5)`, timeoutSeconds: 1 }) },
  });
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.error.message, /ran past its 1 s timeout/);
});

test('bad input is refused before anything runs', async () => {
  const cases: [string, unknown][] = [
    ['empty query', rule({ query: ' ; ' })],
    ['job key without {key}', rule({ jobKey: 'same-for-all' })],
    ['batch size 0', rule({ batchSize: 0 })],
    ['unknown field', { ...rule(), sql: 'x' }],
    ['schedule of 7 minutes', rule({ scheduleMinutes: 7 })],
  ];
  const before = (await te.call('backfill.list')).length;
  for (const [what, spec] of cases) {
    const result = await te.engine.call('backfill.save', { rule: spec });
    assert.equal(result.ok, false, what);
    if (!result.ok) assert.equal(result.error.code, 'invalid_input', what);
  }
  assert.equal((await te.call('backfill.list')).length, before);
});

test("a query's syntax error is placed in the operator's own text, never in Jobdeck's wrapping of it", async () => {
  const error = async (query: string) => {
    const result = await te.engine.call('backfill.preview', { target: { rule: rule({ query }) } });
    assert.equal(result.ok, false, query);
    return !result.ok ? result.error : { code: '', message: '' };
  };
  // Unfinished: Postgres stops at the ")" Jobdeck closes the subquery with.
  const unfinished = await error('selec');
  assert.equal(unfinished.code, 'invalid_input');
  assert.match(unfinished.message, /at the end of the query \(is it complete\?\)/);
  assert.doesNotMatch(unfinished.message, /near "\)"/);
  const misspelt = await error('select id\nfrom shop.products\nwher id > 1');
  assert.match(misspelt.message, /syntax error at or near "id" \(line 3 of the query, at "id > 1"\)/);
});

test('a read-only rule with a trailing semicolon and comment still works', async () => {
  const p = await te.call('backfill.preview', {
    target: { rule: rule({ query: `select id from shop.products where id % 10 in (0, 3, 7) -- lacking;\n;` }) },
    sampleSize: 1,
  });
  assert.equal(p.missing, LACKING.length);
});

test('export and import round-trip rules as validated JSON', async () => {
  const a = await te.call('backfill.save', { rule: rule({ name: 'A', scheduleMinutes: 15 }) });
  const doc = await te.call('backfill.export', { ids: [a.id] });
  assert.equal(doc.rules.length, 1);
  assert.equal(doc.rules[0].query, a.query);
  const again = await te.call('backfill.import', { document: doc });
  assert.deepEqual(again, { created: 0, updated: 1 });
  const copy = await te.call('backfill.import', { document: { ...doc, rules: [{ ...doc.rules[0], id: undefined, name: 'B' }] } });
  assert.deepEqual(copy, { created: 1, updated: 0 });
  const bad = await te.engine.call('backfill.import', { document: { ...doc, rules: [{ ...doc.rules[0], maxAttempts: -1 }] } });
  assert.equal(bad.ok, false);
  const names = (await te.call('backfill.list')).map((r) => r.name).filter((n) => n === 'A' || n === 'B');
  assert.deepEqual(names, ['A', 'B']);
});

test('two runs at once never queue an item twice (the second re-checks under the lock and skips)', async () => {
  const saved = await te.call('backfill.save', { rule: rule({ name: 'concurrent', batchSize: 10 }) });
  // Hold the backfill lock so both runs read the same items before either can queue.
  const holder = await db.pool.connect();
  try {
    await holder.query(`select pg_advisory_lock(hashtext('jobdeck'), hashtext('backfill'))`);
    const runs = [te.call('backfill.run', { id: saved.id }), te.call('backfill.run', { id: saved.id })];
    await waitFor('both runs to wait for the lock', async () => {
      const { rows } = await db.pool.query<{ n: number }>(
        `select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and ${HERE}`,
      );
      return rows[0].n === 2;
    });
    await holder.query(`select pg_advisory_unlock(hashtext('jobdeck'), hashtext('backfill'))`);
    const [a, b] = await Promise.all(runs);
    assert.equal(a.run.enqueued + b.run.enqueued, 10);
    assert.equal(a.run.skipped + b.run.skipped, 10);
    assert.match([a, b].find((r) => r.run.skipped)!.message, /10 skipped \(a job appeared meanwhile\)/);
  } finally {
    holder.release();
  }
  const { rows } = await db.pool.query<{ jobs: number; items: number }>(
    `select count(*)::int as jobs, count(distinct payload->>'productId')::int as items from graphile_worker._private_jobs`,
  );
  assert.equal(rows[0].jobs, rows[0].items);
  assert.equal(rows[0].jobs, 10);
});

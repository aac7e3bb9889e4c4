import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { run, type Runner } from 'graphile-worker';
import { quietLogger, startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { CATEGORIES, LACKING, RULE_QUERY, categoryOf, rule, seedShop } from './backfill-scenario.ts';

// Before any run: the first 20 lacking products already have a job; 10 of them failed for good, 2 are running.
const PRE = LACKING.slice(0, 20);
const PRE_FAILED = PRE.slice(0, 10);
const PRE_RUNNING = PRE.slice(10, 12);
const PRE_QUEUED = PRE.slice(12);
const FRESH = LACKING.filter((id) => !PRE.includes(id));

/**
 * A fresh database with the shop seeded and the jobs above, an engine on it and the rule saved: one per test,
 * closed when the test ends.
 */
async function startShop(t: TestContext): Promise<{ db: TestPostgres; te: TestEngine; ruleId: string }> {
  const db = await startTestPostgres();
  const open: { te?: TestEngine } = {};
  t.after(async () => {
    await open.te?.close();
    await db.close();
  });
  await seedShop(db.pool);
  await db.pool.query(
    `select graphile_worker.add_job('enrich_product', json_build_object('productId', id), max_attempts => 1,
       job_key => 'enrich_product:' || id) from unnest($1::int[]) id`,
    [PRE],
  );
  await db.pool.query(`update graphile_worker._private_jobs set attempts = 1, last_error = 'Error code: 429' where key = any($1)`, [
    PRE_FAILED.map((id) => `enrich_product:${id}`),
  ]);
  await db.pool.query(
    `update graphile_worker._private_jobs set attempts = 1, locked_at = now(), locked_by = 'pool-elsewhere' where key = any($1)`,
    [PRE_RUNNING.map((id) => `enrich_product:${id}`)],
  );
  const te = (open.te = await startTestEngine({ databaseUrl: db.connectionString, runner: false }));
  const ruleId = (await te.call('backfill.save', { rule: rule() })).id;
  return { db, te, ruleId };
}

const jobKeys = async (db: TestPostgres) =>
  (await db.pool.query<{ key: string }>(`select key from graphile_worker._private_jobs where key like 'enrich_product:%'`)).rows.map(
    (r) => r.key,
  );

test('preview counts exactly the items lacking output, and where their jobs stand', async (t) => {
  const { te, ruleId } = await startShop(t);
  const p = await te.call('backfill.preview', { target: { id: ruleId }, sampleSize: 5 });
  assert.deepEqual(
    { missing: p.missing, fresh: p.fresh, queued: p.queued, running: p.running, failed: p.failed, invalid: p.invalid },
    {
      missing: LACKING.length,
      fresh: FRESH.length,
      queued: PRE_QUEUED.length,
      running: PRE_RUNNING.length,
      failed: PRE_FAILED.length,
      invalid: 0,
    },
  );
  assert.deepEqual(
    p.sample.map((s) => s.key),
    FRESH.slice(0, 5).map(String),
    'the sample shows what a run queues first, in the query order',
  );
  assert.ok(p.sample.every((s) => s.state === 'none' && s.jobId === null));
  // The query's ORDER BY decides what goes first: newest first here.
  const newest = await te.call('backfill.preview', {
    target: { rule: rule({ query: RULE_QUERY.replace('order by p.id', 'order by p.id desc') }) },
    sampleSize: 3,
  });
  assert.deepEqual(
    newest.sample.map((s) => s.key),
    FRESH.slice(-3).reverse().map(String),
  );
});

test('preview per group (an unsaved rule) counts each category exactly', async (t) => {
  const { te } = await startShop(t);
  for (const category of CATEGORIES) {
    const query = `select p.id from shop.products p where p.category = '${category}'
      and not exists (select 1 from shop.product_enrichments e where e.product_id = p.id)`;
    const p = await te.call('backfill.preview', { target: { rule: rule({ name: category, query }) }, sampleSize: 0 });
    assert.equal(p.missing, LACKING.filter((id) => categoryOf(id) === category).length, category);
    assert.equal(p.failed, PRE_FAILED.filter((id) => categoryOf(id) === category).length, category);
  }
});

test('run queues exactly the batch size in query order, with the rule payload, and audits it', async (t) => {
  const { db, te, ruleId } = await startShop(t);
  const result = await te.call('backfill.run', { id: ruleId });
  assert.equal(result.jobIds.length, 25);
  assert.equal(result.run.enqueued, 25);
  assert.match(
    result.message,
    new RegExp(
      `^${LACKING.length} items needed output, 25 queued, ${PRE_QUEUED.length + PRE_RUNNING.length} already queued, ${PRE_FAILED.length} permanently failed before \\(not requeued unless asked\\)`,
    ),
  );
  const { rows } = await db.pool.query<{
    payload: { productId: number };
    max_attempts: number;
    key: string;
    attempts: number;
    identifier: string;
  }>(
    `select j.payload, j.max_attempts, j.key, j.attempts, t.identifier from graphile_worker._private_jobs j
       join graphile_worker._private_tasks t on t.id = j.task_id where j.id = any($1::bigint[]) order by j.id`,
    [result.jobIds],
  );
  assert.deepEqual(
    rows.map((r) => r.payload.productId),
    FRESH.slice(0, 25),
  );
  assert.ok(rows.every((r) => r.max_attempts === 1 && r.attempts === 0 && r.identifier === 'enrich_product'));
  assert.deepEqual(
    rows.map((r) => r.key),
    FRESH.slice(0, 25).map((id) => `enrich_product:${id}`),
  );
  const audit = te.engine.parts.audit.list({ limit: 1 })[0];
  assert.equal(audit.action, 'backfill.run');
  assert.deepEqual([audit.requested, audit.affected, audit.skipped], [25, 25, 0]);
});

test('running again never queues the same item twice', async (t) => {
  const { db, te, ruleId } = await startShop(t);
  // The first batch, as in the test above.
  assert.equal((await te.call('backfill.run', { id: ruleId })).run.enqueued, 25);
  const before = await jobKeys(db);
  const result = await te.call('backfill.run', { id: ruleId, limit: 30 });
  assert.equal(result.run.enqueued, 30);
  assert.equal(result.run.queued, PRE_QUEUED.length + 25, 'the first batch now counts as already queued');
  const after = await jobKeys(db);
  assert.equal(after.length, before.length + 30);
  assert.equal(new Set(after).size, after.length);
  const { rows } = await db.pool.query(
    `select payload->>'productId' as id, count(*)::int as n from graphile_worker._private_jobs group by 1 having count(*) > 1`,
  );
  assert.deepEqual(rows, [], 'one job per product');
});

test('a run for items given by key queues those lacking output and says which were not found', async (t) => {
  const { db, te, ruleId } = await startShop(t);
  const done = 1; // 1 % 10 is not a lacking id: product 1 has its output
  assert.ok(!LACKING.includes(done));
  const keys = [String(FRESH[0]), String(FRESH[1]), String(FRESH[0]), String(PRE_QUEUED[0]), String(done), 'no-such-item'];
  const result = await te.call('backfill.run', { id: ruleId, keys });
  assert.equal(result.run.enqueued, 2, 'the two lacking items without a job (the one already queued is left alone)');
  assert.equal(result.keysNotFound, 2, 'the item with output and the unknown key');
  // The run log keeps the rule's whole backlog (its list and chart read it), not the five keys' counts.
  assert.equal(result.run.missing, LACKING.length);
  assert.equal((await te.call('backfill.list')).find((r) => r.id === ruleId)?.lastRun?.missing, LACKING.length);
  // The audit entry counts the keys asked for: 5 distinct, 2 queued, 3 left (queued already, done, no such item).
  const [entry] = await te.call('audit.list', { limit: 1 });
  assert.deepEqual([entry.action, entry.requested, entry.affected, entry.skipped], ['backfill.run', 5, 2, 3]);
  assert.match(result.message, /2 of the 5 key\(s\) given are not among the items lacking output/);
  const { rows } = await db.pool.query<{ id: number }>(
    `select (payload->>'productId')::int as id from graphile_worker._private_jobs where id = any($1::bigint[]) order by id`,
    [result.jobIds],
  );
  assert.deepEqual(
    rows.map((r) => r.id),
    [FRESH[0], FRESH[1]],
  );
  // Again: nothing new, never twice.
  const again = await te.call('backfill.run', { id: ruleId, keys });
  assert.equal(again.run.enqueued, 0);
  // Keys and a limit together are refused, changing nothing.
  const refused = await te.engine.call('backfill.run', { id: ruleId, keys: ['1'], limit: 5 });
  assert.equal(!refused.ok && refused.error.code, 'invalid_input');
  assert.equal(new Set(await jobKeys(db)).size, PRE.length + 2);
});

test('after a real runner processes the jobs and some fail for good, a new run reports them', async (t) => {
  const { db, te, ruleId } = await startShop(t);
  // Two runs first, as in the tests above: the first 55 fresh items queued.
  assert.equal((await te.call('backfill.run', { id: ruleId })).run.enqueued, 25);
  assert.equal((await te.call('backfill.run', { id: ruleId, limit: 30 })).run.enqueued, 30);
  const queuedIds = [...PRE_QUEUED, ...FRESH.slice(0, 55)];
  const fails = (id: number) => id % 3 === 0;
  let runner: Runner | null = null;
  try {
    runner = await run({
      connectionString: db.connectionString,
      concurrency: 4,
      pollInterval: 200,
      noHandleSignals: true,
      logger: quietLogger(),
      taskList: {
        enrich_product: async (payload, helpers) => {
          const id = (payload as { productId: number }).productId;
          if (fails(id)) throw new Error(`Model output failed validation for ${id}`);
          await helpers.query(`insert into shop.product_enrichments (product_id, data) values ($1, '{"by": "runner"}')`, [id]);
        },
      },
    });
    await waitFor(
      'the runner to finish every available job',
      async () => {
        const { rows } = await db.pool.query<{ n: number }>(
          `select count(*)::int as n from graphile_worker._private_jobs where is_available`,
        );
        return rows[0].n === 0;
      },
      30_000,
    );
  } finally {
    await runner?.stop();
  }
  const succeeded = queuedIds.filter((id) => !fails(id));
  const failedNow = PRE_FAILED.length + queuedIds.filter(fails).length;
  const result = await te.call('backfill.run', { id: ruleId, limit: 5 });
  const r = result.run;
  assert.equal(r.missing, LACKING.length - succeeded.length);
  assert.equal(r.failed, failedNow);
  assert.equal(r.running, PRE_RUNNING.length);
  assert.equal(r.queued, 0);
  assert.equal(r.enqueued, 5);
  assert.ok(result.message.includes(`${failedNow} permanently failed before (not requeued unless asked)`), result.message);

  // Asked to, a run requeues the failed ones too: new jobs, the failed rows stay as history without their key.
  const requeue = await te.call('backfill.run', { id: ruleId, limit: 1000, requeueFailed: true });
  assert.equal(requeue.run.requeued, failedNow);
  assert.equal(requeue.run.enqueued, failedNow + (FRESH.length - 60));
  const { rows } = await db.pool.query<{ history: number; waiting: number }>(
    `select count(*) filter (where key is null and attempts >= max_attempts)::int as history,
            count(*) filter (where key is not null and attempts = 0)::int as waiting from graphile_worker._private_jobs`,
  );
  assert.equal(rows[0].history, failedNow);
  assert.equal(rows[0].waiting, requeue.run.enqueued + 5);
  const after = await te.call('backfill.preview', { target: { id: ruleId }, sampleSize: 0 });
  assert.equal(after.fresh + after.failed, 0, 'every item lacking output now has a live job');
});

test('the run log keeps previews and runs for the backlog chart', async (t) => {
  const { te, ruleId } = await startShop(t);
  // A preview, four runs (the last requeueing the failed ones) and a preview again.
  await te.call('backfill.preview', { target: { id: ruleId }, sampleSize: 5 });
  await te.call('backfill.run', { id: ruleId });
  await te.call('backfill.run', { id: ruleId, limit: 30 });
  await te.call('backfill.run', { id: ruleId, limit: 5 });
  await te.call('backfill.run', { id: ruleId, limit: 1000, requeueFailed: true });
  await te.call('backfill.preview', { target: { id: ruleId }, sampleSize: 0 });
  const runs = await te.call('backfill.runs', { id: ruleId });
  assert.ok(runs.length >= 6);
  assert.deepEqual(runs.map((r) => r.trigger).filter((t) => t === 'manual').length, 4);
  assert.ok(
    runs.every((r, i) => i === 0 || Date.parse(r.at) >= Date.parse(runs[i - 1].at)),
    'oldest first',
  );
  const rules = await te.call('backfill.list');
  assert.equal(rules[0].lastRun?.trigger, 'manual');
});

test('job keys are filled in literally: a key with $ patterns is its own item, in the preview and the run alike', async (t) => {
  const { db, te } = await startShop(t);
  // String.replace read $& in a key as the match: 'x$&y' became 'x{key}y', the same job key as the next item.
  const keys = ['x$&y', 'x{key}y', "z$'w", 'p$`q'];
  const query = `select * from (values ${keys.map((k) => `('${k.replaceAll("'", "''")}')`).join(', ')}) v(id)`;
  const { id } = await te.call('backfill.save', { rule: rule({ name: 'Literal keys', query, task: 'lit$&', payloadKey: 'id' }) });
  const before = await te.call('backfill.preview', { target: { id }, sampleSize: 10 });
  assert.deepEqual([before.missing, before.fresh], [4, 4]);
  assert.equal((await te.call('backfill.run', { id })).run.enqueued, 4);
  const { rows } = await db.pool.query<{ key: string }>(`select key from graphile_worker._private_jobs where key like 'lit%' order by id`);
  assert.deepEqual(rows.map((r) => r.key).sort(), keys.map((k) => `lit$&:${k}`).sort());
  const after = await te.call('backfill.preview', { target: { id }, sampleSize: 10 });
  assert.deepEqual([after.missing, after.fresh, after.queued], [4, 0, 4], 'the preview finds the jobs the run queued');
});

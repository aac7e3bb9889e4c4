/**
 * The demo's backfill rules (shared/model/demo.ts), as the Backfill view adds them: they match the engine's demo
 * pipelines, import through `backfill.import`, and find exactly the items without output, knowing those already queued.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDatabase } from '../helpers/engine.ts';
import { DEMO_BACKFILL_DOCUMENT, DEMO_BACKFILL_RULES } from '../../src/shared/model/demo.ts';
import { DEMO_PIPELINES, DEMO_SCHEMA, installDemoSchema } from '../../src/engine/demo/index.ts';

const t = useTestDatabase();

test('one rule per demo pipeline, with its task, payload key, queue and tables', () => {
  assert.deepEqual(
    DEMO_BACKFILL_RULES.map((r) => [r.task, r.payloadKey, r.queue]),
    DEMO_PIPELINES.map((p) => [p.task, p.payloadKey, p.queue]),
  );
  for (const [i, p] of DEMO_PIPELINES.entries()) {
    assert.ok(DEMO_BACKFILL_RULES[i].query.includes(`${p.sourceTable} `), p.sourceTable);
    assert.ok(DEMO_BACKFILL_RULES[i].query.includes(`${p.outputTable} `), p.outputTable);
    assert.ok(DEMO_BACKFILL_RULES[i].query.includes(`o.${p.outputKey} = s.id`), p.outputKey);
  }
});

test('imported, the news rule finds the events without an insight, and knows the one already queued', async () => {
  await installDemoSchema(t.db.pool);
  const { rows } = await t.db.pool.query<{ id: string }>(
    `insert into ${DEMO_SCHEMA}.news_events (title, body) select 'event ' || i, 'body' from generate_series(1, 4) i returning id::text`,
  );
  const [done, queued, ...orphans] = rows.map((r) => r.id);
  await t.db.pool.query(`insert into ${DEMO_SCHEMA}.event_insights (event_id, insight, model) values ($1, '{}', 'demo')`, [done]);
  // As the demo's producer queues an item: job key <task>:<id>.
  await t.db.pool.query(`select graphile_worker.add_job('generate_insight', json_build_object('eventId', $1::bigint), job_key => $2)`, [
    queued,
    `generate_insight:${queued}`,
  ]);

  const imported = await t.te.call('backfill.import', { document: DEMO_BACKFILL_DOCUMENT });
  assert.deepEqual(imported, { created: 3, updated: 0 });
  const rules = await t.te.call('backfill.list', {});
  const news = rules.find((r) => r.task === 'generate_insight')!;
  const preview = await t.te.call('backfill.preview', { target: { id: news.id } });
  assert.deepEqual([preview.missing, preview.fresh, preview.queued], [3, 2, 1]);
  assert.deepEqual(
    preview.sample
      .filter((s) => s.state === 'none')
      .map((s) => s.key)
      .sort(),
    orphans.sort(),
  );
});

/**
 * Backfill at scale, on 500,000 items of which 150,000 lack output and 100,000 of those already have a job
 * (among 600,000 jobs in graphile-worker's table):
 * - preview: the rule's read-only statement that matches every lacking item with its job through the unique key
 *   index, against the naive check a script would do, one `select ... where key = $1` round trip per item
 *   (on a 10,000-item slice, scaled);
 * - run: queue 1,000 items in one `add_jobs` call (Jobdeck's run, lock and re-check included), against 1,000
 *   `add_job` calls, one per item, as a backfill script usually does.
 */
import pg from 'pg';
import { backfillRuleSpec } from '../src/shared/contract/backfill.ts';
import type { BackfillRuleSpec } from '../src/shared/model/backfill.ts';
import { matchRuleItems } from '../src/engine/backfill/rule-query.ts';
import { enqueueItems } from '../src/engine/backfill/enqueue.ts';
import { timeMedian, withSeededDatabase, type BenchResult } from './lib.ts';

const ITEMS = 500_000;
const SLICE = 10_000;
const BATCH = 1_000;

async function seed(pool: pg.Pool): Promise<void> {
  await pool.query(`create schema shop;
    create table shop.items (id bigint primary key, title text not null);
    create table shop.outputs (item_id bigint primary key, data jsonb not null)`);
  await pool.query(`insert into shop.items select i, 'Item ' || i from generate_series(1, ${ITEMS}) i`);
  // 30% lack output (ids ending in 0, 3, 7); two thirds of those already have a job.
  await pool.query(`insert into shop.outputs select i, '{}' from generate_series(1, ${ITEMS}) i where i % 10 not in (0, 3, 7)`);
  await pool.query(`insert into graphile_worker._private_tasks (identifier) values ('enrich'), ('other') on conflict do nothing`);
  await pool.query(
    `insert into graphile_worker._private_jobs (task_id, payload, key, attempts, max_attempts)
     select (select id from graphile_worker._private_tasks where identifier = 'enrich'), json_build_object('itemId', i),
            'enrich:' || i, case when i % 20 = 0 then 3 else 0 end, 3
       from generate_series(1, ${ITEMS}) i where i % 10 in (0, 3) `,
  );
  // Unrelated jobs, so the key index is not the whole table.
  await pool.query(
    `insert into graphile_worker._private_jobs (task_id, payload) select (select id from graphile_worker._private_tasks where identifier = 'other'), '{}'
       from generate_series(1, 500000)`,
  );
  await pool.query('vacuum analyze');
}

const rule = (query: string): BackfillRuleSpec =>
  backfillRuleSpec.parse({
    name: 'bench',
    query,
    task: 'enrich',
    payloadKey: 'itemId',
    batchSize: BATCH,
    timeoutSeconds: 120,
  }) as BackfillRuleSpec;

const LACKING = `select i.id from shop.items i where not exists (select 1 from shop.outputs o where o.item_id = i.id)`;

export default async function bench(): Promise<BenchResult[]> {
  return withSeededDatabase('backfill', seed, async (pool) => {
    const results: BenchResult[] = [];

    // Preview: every lacking item classified in one statement, against per-item key lookups.
    let counts = { missing: 0, fresh: 0 };
    const previewMs = await timeMedian(async () => {
      counts = await matchRuleItems(pool, rule(LACKING), { limit: 20, states: ['none', 'failed', 'queued', 'running', 'invalid'] });
    }, 3);
    const slice = (await pool.query<{ id: string }>(`${LACKING} order by i.id limit ${SLICE}`)).rows.map((r) => r.id);
    const naiveSliceMs = await timeMedian(async () => {
      for (const id of slice)
        await pool.query(`select attempts, max_attempts, locked_at from graphile_worker.jobs where key = $1`, [`enrich:${id}`]);
    }, 1);
    results.push({
      name: `preview ${counts.missing.toLocaleString('en')} lacking items`,
      baseline: 'one jobs-view lookup per item (scaled from 10k)',
      baselineMs: (naiveSliceMs * counts.missing) / SLICE,
      candidateMs: previewMs,
      notes: `${counts.fresh.toLocaleString('en')} without a job; ${ITEMS.toLocaleString('en')} items, 600k jobs`,
    });

    // Run: each call queues a fresh range of 1,000 items without a job (ids ending in 7).
    let offset = 0;
    const nextRange = () => {
      const from = offset;
      offset += BATCH * 10;
      return [from, offset] as const;
    };
    const runMs = await timeMedian(async () => {
      const [from, to] = nextRange();
      const spec = rule(`${LACKING} and i.id > ${from} and i.id <= ${to} order by i.id`);
      const match = await matchRuleItems(pool, spec, { limit: BATCH, states: ['none'] });
      const outcome = await enqueueItems(pool, spec, match.items, false);
      if (outcome.jobIds.length !== BATCH) throw new Error(`queued ${outcome.jobIds.length}, expected ${BATCH}`);
    }, 3);
    const naiveRunMs = await timeMedian(async () => {
      const [from, to] = nextRange();
      const { rows } = await pool.query<{ id: string }>(`${LACKING} and i.id > ${from} and i.id <= ${to} order by i.id`);
      for (const { id } of rows) {
        await pool.query(
          `select graphile_worker.add_job('enrich', json_build_object('itemId', $1::bigint), max_attempts => 3, job_key => $2, job_key_mode => 'unsafe_dedupe')`,
          [id, `enrich:${id}`],
        );
      }
    }, 3);
    results.push({
      name: `run: queue ${BATCH.toLocaleString('en')} items`,
      baseline: 'one add_job call per item',
      baselineMs: naiveRunMs,
      candidateMs: runMs,
      notes: 'read-only match + lock + re-check + one add_jobs',
    });
    return results;
  });
}

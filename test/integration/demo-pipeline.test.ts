import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Logger, run, type Runner } from 'graphile-worker';
import { startTestPostgres, testPool, type TestPostgres } from '../helpers/postgres.ts';
import {
  startDemo,
  startDemoProducer,
  DEMO_MODELS,
  DEMO_PIPELINES,
  installDemoSchema,
  type DemoRuntime,
} from '../../src/engine/demo/index.ts';
import type { FailureMix } from '../../src/engine/demo/fake-llm.ts';

const NO_FAILURES: FailureMix = { quota: 0, timeout: 0, invalidJson: 0, missingFields: 0, serverError: 0 };
const BACKLOG = 25;

/** Polls `check` until it returns a truthy value; fails with `what` after the deadline. */
async function eventually<T>(what: string, check: () => Promise<T | false | null | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A fresh database with the demo installed, its producer at `ratePerSecond` (the 25-item backlog seeded first) and a
 * real graphile-worker runner on its tasks: one per test, stopped and dropped when the test ends.
 */
async function startPipeline(t: TestContext, ratePerSecond: number) {
  const db: TestPostgres = await startTestPostgres();
  const open: { demo?: DemoRuntime; runner?: Runner } = {};
  t.after(async () => {
    try {
      // Stop with no job in flight: graphile-worker 0.17 writes a failure at shutdown without awaiting it, and that
      // late write would meet the database being dropped and fail whichever test runs next.
      open.demo?.update({ ratePerSecond: 0 });
      await eventually('no job running before the runner stops', async () => {
        const { rows } = await db.pool.query<{ n: number }>(
          'select count(*)::int as n from graphile_worker.jobs where locked_at is not null',
        );
        return rows[0].n === 0;
      }).catch(() => {});
      await open.runner?.stop();
    } finally {
      try {
        await open.demo?.stop();
      } finally {
        await db.close();
      }
    }
  });
  await installDemoSchema(db.pool); // twice (startDemo installs again): must be idempotent
  const demo = (open.demo = await startDemo({ pool: db.pool, connectionString: db.connectionString, ratePerSecond, mix: NO_FAILURES }));
  demo.llm?.setLatency([5, 40]);
  const runner = (open.runner = await run({
    connectionString: db.connectionString,
    taskList: demo.taskList,
    concurrency: 4,
    noHandleSignals: true,
    pollInterval: 200,
    logger: new Logger(() => () => {}),
  }));
  runner.promise.catch(() => {}); // a failure surfaces through the assertions; never as an unhandled rejection

  const count = async (sql: string, values: unknown[] = []) => Number((await db.pool.query<{ n: string }>(sql, values)).rows[0].n);
  const jobCount = () => count('select count(*) as n from graphile_worker.jobs');
  const itemCount = () =>
    count(
      DEMO_PIPELINES.map((p) => `(select count(*) from ${p.sourceTable})`)
        .join(' + ')
        .replace(/^/, 'select ') + ' as n',
    );
  const itemsWithoutOutput = () =>
    count(
      `select ${DEMO_PIPELINES.map(
        (p) =>
          `(select count(*) from ${p.sourceTable} s where not exists (select 1 from ${p.outputTable} o where o.${p.outputKey} = s.id))`,
      ).join(' + ')} as n`,
    );
  // The producer seeds the backlog before anything else.
  await eventually('the backlog seeded', async () => (await itemsWithoutOutput()) >= BACKLOG);
  return { db, demo, count, jobCount, itemCount, itemsWithoutOutput };
}

/** Runs `generate_insight` for the first news event without an insight (a backlog item) and waits for it. */
async function giveOneEventItsInsight(p: Awaited<ReturnType<typeof startPipeline>>): Promise<number> {
  const { rows } = await p.db.pool.query<{ id: string }>(
    `select e.id from jobdeck_demo.news_events e
      where not exists (select 1 from jobdeck_demo.event_insights i where i.event_id = e.id) order by e.id limit 1`,
  );
  const eventId = Number(rows[0].id);
  await p.db.pool.query(`select graphile_worker.add_job('generate_insight', $1::json)`, [JSON.stringify({ eventId })]);
  await eventually('the insight job done', async () => (await p.jobCount()) === 0);
  return eventId;
}

describe('demo pipeline against a real graphile-worker runner', () => {
  test('produced jobs all complete and every produced item gets its output', async (t) => {
    const { db, demo, jobCount, itemCount, itemsWithoutOutput } = await startPipeline(t, 10);
    assert.ok(demo);
    assert.equal(demo.settings().ratePerSecond, 10);
    await eventually('about 10 produced items', async () => (await itemCount()) >= BACKLOG + 10);
    demo.update({ ratePerSecond: 0 });
    assert.equal(demo.settings().ratePerSecond, 0);

    // Done when no job is left and only the seeded backlog (which never had jobs) lacks an output.
    await eventually('all jobs done', async () => (await jobCount()) === 0 && (await itemsWithoutOutput()) === BACKLOG);
    assert.ok((await itemCount()) >= BACKLOG + 10);
    for (const p of DEMO_PIPELINES) {
      const { rows } = await db.pool.query<{ output: object; model: string }>(
        `select ${p.outputColumn} as output, model from ${p.outputTable}`,
      );
      assert.ok(rows.length > 0, `${p.task} produced outputs`);
      for (const row of rows) {
        assert.equal(row.model, DEMO_MODELS[p.task], 'each pipeline asks the simulated provider for its own model');
        assert.ok(Object.keys(row.output).length >= 3, `${p.task} output ${JSON.stringify(row.output)}`);
      }
    }
    const stats = demo.llm?.stats();
    assert.equal(stats?.byOutcome.ok, stats?.requests, 'every call succeeded with mix zero');
  });

  test('running a task twice for the same item does not duplicate its output', async (t) => {
    const { db, demo, jobCount } = await startPipeline(t, 0);
    assert.ok(demo.llm);
    const { rows } = await db.pool.query<{ id: string }>(
      `select e.id from jobdeck_demo.news_events e
        where not exists (select 1 from jobdeck_demo.event_insights i where i.event_id = e.id) order by e.id limit 1`,
    );
    const eventId = Number(rows[0].id);
    // Two jobs without a job_key for the same item: they may even run at the same time.
    for (let i = 0; i < 2; i++)
      await db.pool.query(`select graphile_worker.add_job('generate_insight', $1::json)`, [JSON.stringify({ eventId })]);
    await eventually('both jobs done', async () => (await jobCount()) === 0);
    const outputs = () => db.pool.query(`select insight, created_at from jobdeck_demo.event_insights where event_id = $1`, [eventId]);
    const first = (await outputs()).rows;
    assert.equal(first.length, 1);

    // Once the output exists, a further run returns early without calling the model.
    const requestsBefore = demo.llm.stats().requests;
    await db.pool.query(`select graphile_worker.add_job('generate_insight', $1::json)`, [JSON.stringify({ eventId: String(eventId) })]);
    await eventually('third job done', async () => (await jobCount()) === 0);
    assert.deepEqual((await outputs()).rows, first);
    assert.equal(demo.llm.stats().requests, requestsBefore);
  });

  test('a bad payload fails with a clear error', async (t) => {
    const { db } = await startPipeline(t, 0);
    await db.pool.query(`select graphile_worker.add_job('summarize', '{"docId": 1}'::json, max_attempts => 1)`);
    const error = await eventually('the job to fail', async () => {
      const { rows } = await db.pool.query<{ last_error: string | null }>(
        `select last_error from graphile_worker.jobs where task_identifier = 'summarize' and attempts >= 1`,
      );
      return rows[0]?.last_error;
    });
    assert.match(error, /Invalid payload for summarize: .*documentId/);
    await db.pool.query(`select graphile_worker.complete_jobs(array_agg(id)) from graphile_worker.jobs`); // clear the way
  });

  test('with quota exhausted, jobs fail with a 429 quota error', async (t) => {
    const { db, demo } = await startPipeline(t, 0);
    assert.ok(demo);
    demo.update({ mix: { quota: 1 } });
    assert.equal(demo.settings().mix.quota, 1);
    demo.update({ ratePerSecond: 10 });
    const failed = await eventually('a failure in every task', async () => {
      const { rows } = await db.pool.query<{
        task_identifier: string;
        queue_name: string | null;
        key: string;
        max_attempts: number;
        last_error: string;
      }>(
        `select task_identifier, queue_name, key, max_attempts, last_error from graphile_worker.jobs where attempts >= 1 and last_error is not null`,
      );
      return new Set(rows.map((r) => r.task_identifier)).size === DEMO_PIPELINES.length && rows;
    });
    demo.update({ ratePerSecond: 0 });
    for (const job of failed) {
      assert.match(job.last_error, /429/);
      assert.match(job.last_error, /quota/);
      assert.equal(job.max_attempts, 5);
      assert.match(job.key, new RegExp(`^${job.task_identifier}:\\d+$`));
      assert.equal(job.queue_name, job.task_identifier === 'summarize' ? 'summaries' : null);
    }
  });

  test('the producer tops the backlog up, and logs rather than throws when the database goes away', async (t) => {
    const pipeline = await startPipeline(t, 0);
    const { db, count, itemCount } = pipeline;
    // One backlog item gets its output: the backlog is one short for the producer to top up.
    await giveOneEventItsInsight(pipeline);
    const orphans = () =>
      count(
        `select ${DEMO_PIPELINES.map(
          (p) => `(select count(*) from ${p.sourceTable} s
             where not exists (select 1 from ${p.outputTable} o where o.${p.outputKey} = s.id)
               and not exists (select 1 from graphile_worker.jobs j where j.key = '${p.task}:' || s.id))`,
        ).join(' + ')} as n`,
      );
    const before = await itemCount();
    const missing = BACKLOG - (await orphans());
    const pool = testPool(db.connectionString, 2);
    const logged: string[] = [];
    const producer = startDemoProducer({ pool, ratePerSecond: 0, log: (message) => logged.push(message) });
    try {
      await eventually('the backlog topped up', async () => (await orphans()) === BACKLOG);
      assert.equal(await itemCount(), before + Math.max(0, missing), 'only the shortfall is seeded, not another 25');
      await pool.end();
      producer.setRate(20);
      await eventually('an error logged', () => Promise.resolve(logged.length > 0), 5000);
      assert.match(logged[0], /\[demo producer\] could not add a \w+ item: .*pool/i);
    } finally {
      await producer.stop();
    }
    assert.ok(logged.length < 5, `errors are not repeated every tick: ${logged.length}`);
  });
});

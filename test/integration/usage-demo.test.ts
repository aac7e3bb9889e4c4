import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger, run } from 'graphile-worker';
import { startTestPostgres } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/engine.ts';
import { DEMO_MODELS, DEMO_PIPELINES, startDemo } from '../../src/engine/demo/index.ts';
import { JobdeckPreset } from '../../src/worker/index.ts';

// The demo reports realistic usage: its pipelines ask the simulated provider for three models, every answer's
// tokens are recorded (through the companion, as a user's worker would), failed answers keep their raw text, and
// a timeout after a long generation still costs tokens.

interface AttemptRow {
  task: string;
  outcome: string;
  error: string | null;
  model: string | null;
  input_tokens: string | null;
  output_tokens: string | null;
  cached_input_tokens: string | null;
  raw_output: string | null;
}

test('the demo pipelines report usage per model, failures that cost included', async (t) => {
  const db = await startTestPostgres();
  t.after(() => db.close());
  const demo = await startDemo({
    pool: db.pool,
    connectionString: db.connectionString,
    ratePerSecond: 0,
    seedBacklog: 30,
    mix: { quota: 0, serverError: 0, missingFields: 0, invalidJson: 0.3, timeout: 0.2 },
    llm: { timeoutMs: 400 },
  });
  t.after(() => demo.stop());
  demo.llm?.setLatency([5, 30]);
  const runner = await run({
    preset: { extends: [JobdeckPreset], jobdeck: { flushIntervalMs: 50 } },
    connectionString: db.connectionString,
    taskList: demo.taskList,
    concurrency: 6,
    noHandleSignals: true,
    pollInterval: 200,
    logger: new Logger(() => () => {}),
  });
  runner.promise.catch(() => {});
  t.after(() => runner.stop());

  await waitFor('the backlog seeded', async () => {
    for (const p of DEMO_PIPELINES) {
      const { rows } = await db.pool.query<{ n: number }>(`select count(*)::int as n from ${p.sourceTable}`);
      if (rows[0].n < 10) return false;
    }
    return true;
  });
  // The demo's provider fails at random (its mix): add a round of every pipeline's items until a success, an
  // unparsed answer and a timeout have all been recorded. A round takes the items still without output: an item
  // that has its output is skipped by the task without asking the model, which would record no usage.
  let jobs = 0;
  let rows: AttemptRow[] = [];
  const kinds = (all: AttemptRow[]) => [
    all.filter((r) => r.outcome === 'success').length,
    all.filter((r) => r.error?.includes('Invalid JSON')).length,
    all.filter((r) => r.error?.startsWith('Request timeout')).length,
  ];
  for (let round = 0; round < 10 && (round === 0 || kinds(rows).some((n) => n === 0)); round++) {
    for (const p of DEMO_PIPELINES) {
      const { rowCount } = await db.pool.query(
        `select graphile_worker.add_job($1, json_build_object($2::text, s.id), max_attempts => 1) from ${p.sourceTable} s
          where not exists (select 1 from ${p.outputTable} o where o.${p.outputKey} = s.id)`,
        [p.task, p.payloadKey],
      );
      jobs += rowCount ?? 0;
    }
    rows = await waitFor(
      'every attempt recorded',
      async () => {
        const { rows } = await db.pool.query<AttemptRow>(
          `select task, outcome, error, model, input_tokens::text, output_tokens::text, cached_input_tokens::text, raw_output
           from jobdeck.attempts`,
        );
        return rows.length >= jobs ? rows : null;
      },
      60_000,
    );
  }

  for (const p of DEMO_PIPELINES) {
    const mine = rows.filter((r) => r.task === p.task);
    assert.ok(mine.length > 0);
    assert.ok(
      mine.every((r) => r.model === DEMO_MODELS[p.task]),
      `${p.task} asks ${DEMO_MODELS[p.task]}`,
    );
  }
  // Every attempt reached the model, so every one has a bill: input always, output for each answer.
  for (const r of rows) {
    assert.ok(Number(r.input_tokens) > 50, `input tokens of ${JSON.stringify(r)}`);
    assert.ok(Number(r.output_tokens) > 0, `output tokens of ${JSON.stringify(r)}`);
  }
  const successes = rows.filter((r) => r.outcome === 'success');
  const unparsed = rows.filter((r) => r.error?.includes('Invalid JSON'));
  const timeouts = rows.filter((r) => r.error?.startsWith('Request timeout'));
  assert.ok(
    successes.length > 0 && unparsed.length > 0 && timeouts.length > 0,
    `${successes.length}/${unparsed.length}/${timeouts.length}`,
  );
  assert.ok(
    successes.every((r) => r.raw_output === null),
    'successes keep no raw output by default',
  );
  assert.ok(
    unparsed.every((r) => r.raw_output !== null && r.raw_output.length > 0),
    'an answer that did not parse is kept',
  );
  // The simulated provider bills a generation cut off by the timeout: 400 ms of streaming at 60 tokens/s.
  assert.ok(timeouts.every((r) => Number(r.output_tokens) === 24));
  // Token counts follow the text: a long posting costs more input than a short event, per model.
  const inputs = new Set(successes.map((r) => r.input_tokens));
  assert.ok(inputs.size > 1, 'not one constant');
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startCompanionWorker, waitFor, type CompanionChild } from '../fixtures/companion-kit/child.ts';
import { asyncContextIsCheap } from '../../src/worker/async-context.ts';

// LLM usage per attempt: recordUsage() from anywhere in the task (AsyncLocalStorage), summed; a returned
// OpenAI-style response and an error carrying an Anthropic-style one are read automatically; bad values are
// refused without touching the job.

let db: TestPostgres;
let child: CompanionChild;

before(async () => {
  db = await startTestPostgres();
  child = await startCompanionWorker({ connectionString: db.connectionString, jobdeck: { heartbeatIntervalMs: 500 } });
});

after(async () => {
  await child?.stop();
  await db?.close();
});

interface UsageRow {
  outcome: string;
  error: string | null;
  model: string | null;
  provider: string | null;
  input_tokens: string | null;
  output_tokens: string | null;
  cached_input_tokens: string | null;
  reasoning_tokens: string | null;
  cost_usd: number | null;
  time_to_first_token_ms: number | null;
}

/** Runs one job and returns its (single) attempt row once written. */
async function runJob(task: string, payload: unknown, maxAttempts = 1): Promise<UsageRow> {
  const {
    rows: [job],
  } = await db.pool.query<{ id: string }>(`select id from graphile_worker.add_job($1, $2::json, max_attempts => $3)`, [
    task,
    JSON.stringify(payload),
    maxAttempts,
  ]);
  const [row] = await waitFor(`the attempt of job ${job.id}`, async () => {
    const { rows } = await db.pool.query<UsageRow>(
      `select outcome, error, model, provider, input_tokens, output_tokens, cached_input_tokens, reasoning_tokens,
              cost_usd, time_to_first_token_ms
       from jobdeck.attempts where job_id = $1`,
      [job.id],
    );
    return rows.length ? rows : null;
  });
  return row;
}

const pick = (r: UsageRow) => [r.model, r.provider, r.input_tokens, r.output_tokens, r.cached_input_tokens, r.reasoning_tokens];

const openAiResponse = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' } }],
  usage: {
    prompt_tokens: 1000,
    completion_tokens: 200,
    total_tokens: 1200,
    prompt_tokens_details: { cached_tokens: 600 },
    completion_tokens_details: { reasoning_tokens: 50 },
  },
};

test('recordUsage from nested async code, twice: summed per attempt, the last model kept, first TTFT kept', async () => {
  const row = await runJob('cd_usage', {
    nested: true,
    calls: [
      {
        model: 'first-model',
        provider: 'openai',
        inputTokens: 100,
        outputTokens: 10,
        cachedInputTokens: 40,
        costUsd: 0.25,
        timeToFirstTokenMs: 120,
      },
      {
        model: 'second-model',
        provider: 'openai',
        inputTokens: 50,
        outputTokens: 5,
        reasoningTokens: 3,
        costUsd: 0.5,
        timeToFirstTokenMs: 999,
      },
    ],
  });
  assert.equal(row.outcome, 'success');
  assert.deepEqual(pick(row), ['second-model', 'openai', '150', '15', '40', '3']);
  assert.equal(row.cost_usd, 0.75);
  assert.equal(row.time_to_first_token_ms, 120);
});

test('a returned OpenAI-style response is read, and added to what recordUsage reported', async () => {
  const row = await runJob('cd_usage', {
    calls: [{ model: 'embedder', inputTokens: 7, outputTokens: 0 }],
    returnValue: openAiResponse,
  });
  assert.equal(row.outcome, 'success');
  assert.deepEqual(pick(row), ['gpt-4o-mini-2024-07-18', 'openai', '1007', '200', '600', '50']);
});

test('a response given as rawOutput and also returned counts once', async () => {
  const row = await runJob('cd_usage', {
    calls: [{ rawOutput: openAiResponse, costUsd: 0.01 }],
    returnFirstRawOutput: true,
  });
  assert.deepEqual(pick(row), ['gpt-4o-mini-2024-07-18', 'openai', '1000', '200', '600', '50']);
  assert.equal(row.cost_usd, 0.01);
});

test('an error carrying an Anthropic-style response: the failed attempt keeps its usage', async () => {
  const row = await runJob('cd_anthropic_fail', {
    id: 'msg_1',
    type: 'message',
    model: 'claude-sonnet-4-5',
    usage: { input_tokens: 321, output_tokens: 12, cache_read_input_tokens: 300, cache_creation_input_tokens: 0 },
  });
  assert.equal(row.outcome, 'failure');
  assert.equal(row.error, 'the model refused');
  assert.deepEqual(pick(row), ['claude-sonnet-4-5', 'anthropic', '321', '12', '300', null]);
});

test('bad values are refused field by field; the job still succeeds and good values are kept', async () => {
  const longModel = 'm'.repeat(500);
  const row = await runJob('cd_usage', {
    calls: [
      { model: 'ok-model', inputTokens: 10, outputTokens: 2 },
      { model: 'bad', inputTokens: -5, outputTokens: 1.5, cachedInputTokens: 'NaN', reasoningTokens: 2e12, costUsd: -1 },
      { model: longModel, inputTokens: 'NaN', outputTokens: 'Infinity', costUsd: 'NaN', timeToFirstTokenMs: -3 },
      null,
      { model: 42, inputTokens: '12', outputTokens: 3 },
    ],
  });
  assert.equal(row.outcome, 'success', 'bad usage never fails the job');
  assert.equal(row.error, null);
  // inputTokens: 10 (+ nothing valid); outputTokens: 2 + 3; the model: the last valid string, bounded.
  assert.deepEqual(pick(row).slice(2), ['10', '5', null, null]);
  assert.equal(row.model, 'm'.repeat(200));
  assert.equal(row.cost_usd, null);
  assert.equal(row.time_to_first_token_ms, null);
  // One rate-limited line, not one per bad value.
  const lines = child
    .stderr()
    .split('\n')
    .filter((l) => l.includes('usage values refused'));
  assert.equal(lines.length, 1, lines.join('\n'));
});

test('usage is rolled up per task and minute', async () => {
  type Sums = { input: number; output: number; cached: number; cost: number };
  const { rows } = await db.pool.query<Sums>(
    `select sum(input_tokens)::int as input, sum(output_tokens)::int as output, sum(cached_input_tokens)::int as cached,
            sum(cost_usd) as cost
     from jobdeck.task_minutes where task = 'cd_usage'`,
  );
  const { rows: fromAttempts } = await db.pool.query<Sums>(
    `select sum(input_tokens)::int as input, sum(output_tokens)::int as output, sum(cached_input_tokens)::int as cached,
            sum(cost_usd) as cost
     from jobdeck.attempts where task = 'cd_usage'`,
  );
  assert.deepEqual(rows[0], fromAttempts[0]);
  assert.ok(rows[0].input > 0);
});

test('asyncContext: false: recordUsage(usage, helpers) still works, the argument-less call is ignored, jobs succeed', async () => {
  await child.stop(); // only the new pool takes jobs from here on
  const plain = await startCompanionWorker({
    connectionString: db.connectionString,
    concurrency: 1,
    jobdeck: { asyncContext: false, heartbeatIntervalMs: 500 },
  });
  try {
    const withHelpers = await runJob('cd_usage_helpers', { calls: [{ model: 'h', inputTokens: 4, outputTokens: 2 }] });
    assert.deepEqual(pick(withHelpers).slice(0, 4), ['h', null, '4', '2']);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { rows } = await db.pool.query<{ id: string }>(`select id from graphile_worker.add_job('cd_usage', $1::json)`, [
        JSON.stringify({ als: true, calls: [{ model: 'als', inputTokens: 1, outputTokens: 1 }] }),
      ]);
      ids.push(rows[0].id);
    }
    const rows = await waitFor('six attempts', async () => {
      const { rows: r } = await db.pool.query<{ pool_id: string; outcome: string; model: string | null }>(
        `select pool_id, outcome, model from jobdeck.attempts where job_id = any($1::bigint[])`,
        [ids],
      );
      return r.length === 6 ? r : null;
    });
    assert.ok(rows.every((r) => r.outcome === 'success' && r.pool_id === plain.poolId));
    assert.ok(
      rows.every((r) => r.model === null),
      'recordUsage() without helpers finds no job: ignored, not thrown',
    );
    assert.match(plain.stderr(), /recordUsage\(\) called outside a job/);
  } finally {
    await plain.stop();
  }
});

test("asyncContext 'auto' (the default): the first call without helpers turns AsyncLocalStorage on; a call it cannot place is logged, never guessed", async () => {
  await child.stop(); // only the pools started here take jobs from here on
  const addUsageJob = async (payload: unknown) => {
    const { rows } = await db.pool.query<{ id: string }>(`select id from graphile_worker.add_job('cd_usage', $1::json)`, [
      JSON.stringify(payload),
    ]);
    return rows[0].id;
  };
  const models = (ids: string[]) =>
    waitFor(`${ids.length} attempts`, async () => {
      const { rows } = await db.pool.query<{ job_id: string; outcome: string; model: string | null }>(
        `select job_id::text, outcome, model from jobdeck.attempts where job_id = any($1::bigint[]) order by job_id`,
        [ids],
      );
      return rows.length === ids.length ? rows : null;
    });
  const cheap = asyncContextIsCheap();

  // One job at a time: the first call is the one job's (the only one that started outside the context), the rest found.
  const single = await startCompanionWorker({
    connectionString: db.connectionString,
    concurrency: 1,
    jobdeck: { heartbeatIntervalMs: 500 },
  });
  try {
    const ids = [];
    for (let i = 0; i < 3; i++)
      ids.push(await addUsageJob({ als: true, calls: [{ model: `single-${i}`, inputTokens: 2, outputTokens: 1 }] }));
    const rows = await models(ids);
    assert.deepEqual(
      rows.map((r) => [r.outcome, r.model]),
      [0, 1, 2].map((i) => ['success', `single-${i}`]),
    );
    if (!cheap) assert.match(single.stderr(), /from now on the tasks of pools with asyncContext 'auto' run inside AsyncLocalStorage/);
  } finally {
    await single.stop();
  }

  // Four jobs running when the first call comes: whose it is cannot be told. Nothing is recorded for them (a guess
  // would bill the wrong job) and the log says so; jobs started after it are found, even with four running at once.
  // Each job reports a model and token count of its own, so a call given to the wrong job shows.
  await db.pool.query(
    'drop table if exists cdk_usage_gate, cdk_usage_gate2; create table cdk_usage_gate (x int); create table cdk_usage_gate2 (x int)',
  );
  const four = await startCompanionWorker({ connectionString: db.connectionString, concurrency: 4, jobdeck: { heartbeatIntervalMs: 500 } });
  const runFour = async (gate: string, name: string, nested: boolean) => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++)
      ids.push(await addUsageJob({ gate, nested, als: true, calls: [{ model: `${name}-${i}`, inputTokens: 10 + i, outputTokens: 1 }] }));
    await waitFor(`four ${name} jobs running`, async () => {
      const { rows } = await db.pool.query<{ n: number }>(
        'select count(*)::int as n from graphile_worker._private_jobs where locked_by = $1 and id = any($2::bigint[])',
        [four.poolId, ids],
      );
      return rows[0].n === 4 || null;
    });
    await db.pool.query(`insert into ${gate} values (1)`);
    const rows = await models(ids);
    assert.ok(rows.every((r) => r.outcome === 'success'));
    // Each row's own model and tokens, or nothing: never another job's.
    const { rows: usage } = await db.pool.query<{ job_id: string; model: string | null; input_tokens: string | null }>(
      'select job_id::text, model, input_tokens::text from jobdeck.attempts where job_id = any($1::bigint[]) order by job_id',
      [ids],
    );
    usage.forEach((u, i) => {
      if (u.model !== null) assert.deepEqual([u.model, u.input_tokens], [`${name}-${i}`, String(10 + i)], `job ${u.job_id}`);
    });
    return usage.map((u) => u.model);
  };
  try {
    const early = await runFour('cdk_usage_gate', 'early', false);
    const later = await runFour('cdk_usage_gate2', 'later', true);
    assert.deepEqual(
      later,
      ['later-0', 'later-1', 'later-2', 'later-3'],
      'every job started after the first call is found through AsyncLocalStorage',
    );
    if (cheap) {
      assert.deepEqual(early, ['early-0', 'early-1', 'early-2', 'early-3'], 'on from the first job');
    } else {
      // The first call comes while all four run: it is not given to any. Once the others have ended, the last of
      // them may be the one job running, and its call is then its own.
      assert.ok(early.includes(null), `the first call, made while four jobs ran, was given to a job: ${early.join(', ')}`);
      assert.match(four.stderr(), /called without helpers while [2-4] jobs ran, [2-4] of them started before AsyncLocalStorage was on/);
      assert.doesNotMatch(four.stderr(), /called outside a job/);
    }
  } finally {
    await four.stop();
  }
});

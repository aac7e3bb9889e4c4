import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addUsage, cleanText, emptyTotals, usageFromResponse } from '../../src/worker/usage.ts';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Job, JobHelpers, Task, TaskList } from 'graphile-worker';
import { errorText, JobRun, MAX_ERROR_BYTES, type RunOwner } from '../../src/worker/job-run.ts';
import { bucketQuantile, DURATION_BUCKET_BOUNDS_MS, DURATION_BUCKET_COUNT, durationBucket } from '../../src/worker/histogram.ts';
import { resolveOptions, DEFAULT_OPTIONS } from '../../src/worker/options.ts';
import { shardOf } from '../../src/worker/pool-recorder.ts';
import { printSchemaSql, MIGRATIONS } from '../../src/worker/schema.ts';
import { classifyError } from '../../src/worker/db.ts';
import { wrapTaskList, unwrapTask } from '../../src/worker/wrap-tasks.ts';
import { RateLimitedLog } from '../../src/worker/log.ts';
import { asyncContextIsCheap, runOutsideContext } from '../../src/worker/async-context.ts';
import type { CompanionGlobal } from '../../src/worker/registry.ts';
import { connectionConfig, JobdeckPlugin } from '../../src/worker/plugin.ts';
import type pg from 'pg';

// The companion's pure parts, without a database.

test('usage: counts summed, bad fields refused one by one, model bounded and cleaned', () => {
  const t = emptyTotals();
  assert.deepEqual(addUsage(t, { model: 'a', inputTokens: 10, outputTokens: 5, costUsd: 0.1 }), []);
  assert.deepEqual(addUsage(t, { model: 'b', inputTokens: -1, outputTokens: 2.5, cachedInputTokens: NaN, reasoningTokens: 1e13 }), [
    'inputTokens',
    'outputTokens',
    'cachedInputTokens',
    'reasoningTokens',
  ]);
  assert.deepEqual(addUsage(t, { costUsd: Infinity, timeToFirstTokenMs: -1, inputTokens: 1e12 }), ['costUsd', 'timeToFirstTokenMs']);
  assert.equal(t.inputTokens, 10 + 1e12);
  assert.equal(t.outputTokens, 5);
  assert.equal(t.cachedInputTokens, null);
  assert.equal(t.model, 'b');
  assert.equal(t.costUsd, 0.1);
  addUsage(t, { model: 'x'.repeat(300) + '\u0000' });
  assert.equal(t.model, 'x'.repeat(200));
  assert.equal(cleanText('a\u0000b\ud800c', 10), 'ab\ufffdc');
});

test('usage from provider responses: OpenAI chat, OpenAI responses, Anthropic; nothing from other shapes', () => {
  assert.deepEqual(
    usageFromResponse({ model: 'gpt', usage: { prompt_tokens: 3, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 1 } } }),
    { model: 'gpt', provider: 'openai', inputTokens: 3, outputTokens: 4, cachedInputTokens: 1 },
  );
  assert.deepEqual(
    usageFromResponse({
      object: 'response',
      model: 'o4-mini',
      usage: {
        input_tokens: 9,
        output_tokens: 8,
        input_tokens_details: { cached_tokens: 2 },
        output_tokens_details: { reasoning_tokens: 5 },
      },
    }),
    { model: 'o4-mini', provider: 'openai', inputTokens: 9, outputTokens: 8, cachedInputTokens: 2, reasoningTokens: 5 },
  );
  assert.deepEqual(
    usageFromResponse({ type: 'message', model: 'claude-x', usage: { input_tokens: 1, output_tokens: 2, cache_read_input_tokens: 0 } }),
    { model: 'claude-x', provider: 'anthropic', inputTokens: 1, outputTokens: 2, cachedInputTokens: 0 },
  );
  assert.equal(usageFromResponse({ usage: { prompt_tokens: 1 } }), null, 'no model, no usage');
  assert.equal(usageFromResponse({ model: 'm', usage: 'lots' }), null);
  assert.equal(usageFromResponse('text'), null);
});

test('error text: the message, bounded to 64 KiB of UTF-8 even with multi-byte characters', () => {
  assert.equal(errorText(new Error('boom')), 'boom');
  assert.equal(errorText('plain'), 'plain');
  const huge = errorText(new Error('é'.repeat(100_000)));
  assert.ok(Buffer.byteLength(huge) <= MAX_ERROR_BYTES);
  assert.ok(huge.length > 30_000);
});

test('duration buckets and quantiles', () => {
  assert.equal(DURATION_BUCKET_COUNT, DURATION_BUCKET_BOUNDS_MS.length + 1);
  assert.equal(durationBucket(0), 0);
  assert.equal(durationBucket(1), 0);
  assert.equal(durationBucket(1.5), 1);
  assert.equal(durationBucket(10_000_000), DURATION_BUCKET_BOUNDS_MS.length);
  const buckets = new Array(DURATION_BUCKET_COUNT).fill(0);
  for (const ms of [3, 4, 4, 4, 40, 40, 40, 40, 40, 900]) buckets[durationBucket(ms)]++;
  const p50 = bucketQuantile(buckets, 0.5)!;
  assert.ok(p50 > 20 && p50 <= 50, `p50 ${p50} in the 20-50 ms bucket`);
  const p95 = bucketQuantile(buckets, 0.95)!;
  assert.ok(p95 > 500 && p95 <= 1_000, `p95 ${p95}`);
  assert.equal(bucketQuantile(new Array(DURATION_BUCKET_COUNT).fill(0), 0.5), null);
  assert.match(MIGRATIONS[0].sql, new RegExp(`array\\[${DURATION_BUCKET_BOUNDS_MS.join(', ')}\\]`));
});

test('options: defaults, overrides, and bad values reported and ignored', () => {
  assert.deepEqual(resolveOptions(undefined).options, DEFAULT_OPTIONS);
  const { options, problems } = resolveOptions({ flushIntervalMs: 1000, heartbeatIntervalMs: -5, listen: 'yes' as unknown as boolean });
  assert.equal(options.flushIntervalMs, 1000);
  assert.equal(options.heartbeatIntervalMs, DEFAULT_OPTIONS.heartbeatIntervalMs);
  assert.equal(options.listen, true);
  assert.equal(problems.length, 2);
});

test('shards are stable and in range', () => {
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) {
    const s = shardOf(`pool-${i.toString(16)}`, 16);
    assert.ok(s >= 0 && s < 16);
    seen.add(s);
  }
  assert.equal(seen.size, 16);
  assert.equal(shardOf('pool-abc', 16), shardOf('pool-abc', 16));
});

test('the printed schema: grants for both roles, quoted; idempotent statements only', () => {
  const sql = printSchemaSql({ workerRole: 'my"worker', consoleRole: 'reader' });
  assert.match(sql, /grant usage on schema jobdeck to "my""worker";/);
  assert.match(sql, /grant select on all tables in schema jobdeck to "reader";/);
  assert.doesNotMatch(sql, /graphile_worker\./, 'never touches graphile-worker’s schema');
  for (const m of sql.matchAll(/create (table|index|schema) (?!if not exists)/g)) assert.fail(`non-idempotent: ${m[0]}`);
  assert.doesNotMatch(printSchemaSql({ grants: false }), /grant/);
});

test('errors are sorted: connection and schema problems are retried, bad data is not', () => {
  assert.equal(classifyError(new Error('ECONNREFUSED')), 'connection');
  assert.equal(classifyError(Object.assign(new Error('x'), { code: '42P01' })), 'schema');
  assert.equal(classifyError(Object.assign(new Error('x'), { code: '3F000' })), 'schema');
  assert.equal(classifyError(Object.assign(new Error('x'), { code: '42501' })), 'permission');
  assert.equal(classifyError(Object.assign(new Error('x'), { code: '22P02' })), 'data');
  assert.equal(classifyError(Object.assign(new Error('x'), { code: '57P01' })), 'connection');
});

test('wrapping a task list: once, keys unchanged; a frozen list is reported, not broken', () => {
  const handler = async () => {};
  const list: Record<string, typeof handler> = { a: handler, b: handler };
  const lines: string[] = [];
  const log = new RateLimitedLog({ error: (m) => lines.push(m), warn: (m) => lines.push(m), info: () => {}, debug: () => {} });
  assert.equal(wrapTaskList(list, log), 0);
  const wrapped = list.a;
  assert.notEqual(wrapped, handler);
  assert.equal(unwrapTask(wrapped), handler);
  wrapTaskList(list, log);
  assert.equal(list.a, wrapped, 'not wrapped twice');
  assert.deepEqual(Object.keys(list), ['a', 'b']);
  const frozen = Object.freeze({ c: handler });
  assert.equal(wrapTaskList(frozen, log), 1);
  assert.equal(frozen.c, handler);
  assert.equal(lines.length, 1);
});

test('a job run: results, sync and async failures, cancels and holds reach graphile-worker as they should', async () => {
  const als = new AsyncLocalStorage<JobRun>();
  const owner = (hold?: () => Promise<void> | null): RunOwner => ({
    poolId: 'pool-1',
    asyncContext: true,
    rememberQueueName: () => {},
    usageRefused: () => {},
    getStore: () => als,
    holdIfPaused: hold,
  });
  const job = (id: number, queueId: number | null = null) =>
    ({ id: String(id), task_identifier: 't', job_queue_id: queueId, key: null, attempts: 1, max_attempts: 3 }) as unknown as Job;
  const helpers = { job: job(0) } as unknown as JobHelpers;
  const run = (task: (run: JobRun) => unknown, o = owner(), queueId: number | null = null) => {
    const r = new JobRun(job(1, queueId), o);
    return { r, done: r.execute((() => task(r)) as unknown as Task, {}, helpers) };
  };

  // An async result with an OpenAI-style usage: returned as is, its usage counted, inside the job's context.
  const response = { model: 'gpt-4o-mini', usage: { prompt_tokens: 10, completion_tokens: 5 } };
  const ok = run(async (r) => {
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(als.getStore(), r, 'the job is the current context after an await');
    return response;
  });
  assert.equal(await ok.done, response);
  assert.equal(ok.r.usage?.inputTokens, 10);

  // A plain (non-promise) value, a synchronous throw and an async rejection.
  assert.equal(await run(() => 42).done, 42);
  await assert.rejects(
    run(() => {
      throw new Error('sync boom');
    }).done,
    /sync boom/,
  );
  await assert.rejects(run(() => Promise.reject(new Error('async boom'))).done, /async boom/);

  // Cancelled while running: whatever the task throws, the job ends done (undefined), marked cancelled.
  const cancelled = run(async (r) => {
    r.requestCancel('req-1');
    await Promise.resolve();
    throw r.signal.reason;
  });
  assert.equal(await cancelled.done, undefined);
  assert.equal(cancelled.r.cancelled, true);

  // Held by a paused queue: the task starts only when the hold resolves; a rejected or throwing hold fails the job.
  let release = () => {};
  let started = false;
  const held = run(
    () => {
      started = true;
      return 'ran';
    },
    owner(() => new Promise<void>((resolve) => (release = resolve))),
    7,
  );
  let settled = false;
  void held.done.then(() => (settled = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(started, false, 'the task waits for the hold');
  assert.equal(settled, false, 'still held');
  release();
  assert.equal(await held.done, 'ran');
  const aborted = run(
    () => 'never',
    owner(() => Promise.reject(new Error('held, then aborted'))),
    7,
  );
  await assert.rejects(aborted.done, /held, then aborted/);
  const throwing = run(
    () => 'never',
    owner(() => {
      throw new Error('the pause check threw');
    }),
    7,
  );
  await assert.rejects(throwing.done, /the pause check threw/);
});

test("the companion's database: its own setting, else the worker's pgPool, else graphile-worker's connection string", () => {
  const pool = { options: { connectionString: 'postgres://pool-db', user: 'u' } } as unknown as pg.Pool;
  // With a pgPool, graphile-worker's resolved connectionString is only its default (DATABASE_URL): not the worker's database.
  const withPool = { resolvedPreset: { worker: { connectionString: 'postgres://database-url' } }, _rawOptions: { pgPool: pool } };
  assert.equal(connectionConfig(withPool, undefined).connectionString, 'postgres://pool-db');
  assert.equal(connectionConfig(withPool, 'postgres://explicit').connectionString, 'postgres://explicit');
  const presetOnly = { resolvedPreset: { worker: { connectionString: 'postgres://preset' } } };
  assert.equal(connectionConfig(presetOnly, undefined).connectionString, 'postgres://preset');
  assert.deepEqual(connectionConfig({}, undefined), {});
});

test("asyncContext: 'auto' by default; it is on from the start only where AsyncLocalStorage costs next to nothing", () => {
  assert.equal(DEFAULT_OPTIONS.asyncContext, 'auto');
  assert.equal(resolveOptions({ asyncContext: 'auto' }).options.asyncContext, 'auto');
  assert.equal(resolveOptions({ asyncContext: false }).options.asyncContext, false);
  const bad = resolveOptions({ asyncContext: 'yes' as unknown as boolean });
  assert.equal(bad.options.asyncContext, 'auto');
  assert.match(bad.problems.join('\n'), /jobdeck\.asyncContext=yes ignored \(expected true, false or 'auto'\)/);
  const node = (v: string) => ({ ...process.versions, node: v });
  assert.equal(asyncContextIsCheap(node('20.20.2'), ''), false);
  assert.equal(asyncContextIsCheap(node('22.12.0'), ''), false);
  assert.equal(asyncContextIsCheap(node('22.12.0'), '--experimental-async-context-frame'), true);
  assert.equal(asyncContextIsCheap(node('24.1.0'), ''), true);
  assert.equal(asyncContextIsCheap(node('24.1.0'), '--no-async-context-frame'), false);
});

test('a call without helpers outside the context is given to a job only when it is the one job running, one that started outside', () => {
  const lines: string[] = [];
  const logger = {
    error: (m: string) => lines.push(m),
    warn: (m: string) => lines.push(m),
    info: (m: string) => lines.push(m),
    debug: () => {},
  };
  const runs = new Map<object, JobRun>();
  const g = { runs, contextOn: false, log: new RateLimitedLog(logger, 0) } as unknown as CompanionGlobal;
  const run = (outside: boolean | undefined, finished = false) => {
    const r = { finishedAtMs: finished ? Date.now() : 0, outsideContext: outside } as unknown as JobRun;
    runs.set({}, r);
    return r;
  };

  assert.equal(runOutsideContext(g, 'recordUsage'), undefined, 'no job running: a call outside any job');
  assert.equal(g.contextOn, false, 'nothing to find: AsyncLocalStorage stays off');

  run(false); // a job inside the context (or of a pool that never uses it)
  assert.equal(runOutsideContext(g, 'recordUsage'), undefined);
  runs.clear();

  const only = run(true);
  run(true, true); // ended: not running
  assert.equal(runOutsideContext(g, 'recordUsage'), only, 'the one job running, started outside: its call');
  assert.equal(g.contextOn, true, 'and AsyncLocalStorage is on from now on');
  assert.match(lines.join('\n'), /from now on the tasks of pools with asyncContext 'auto' run inside AsyncLocalStorage/);

  const inside = run(false);
  assert.equal(runOutsideContext(g, 'jobAbortSignal'), 'ambiguous', 'another job runs (inside the context): not a guess');
  runs.delete([...runs].find(([, r]) => r === inside)![0]);
  run(undefined); // a run of an earlier copy of the companion: running, never a candidate
  assert.equal(runOutsideContext(g, 'recordUsage'), 'ambiguous');
  assert.match(lines.at(-1)!, /called without helpers while 2 jobs ran, 1 of them started before AsyncLocalStorage was on/);
});

test('a global left by an earlier copy of the companion (a log without adoptOnce) does not stop a pool from starting', () => {
  const key = Symbol.for('jobdeck.companion.v1');
  const holder = globalThis as unknown as Record<symbol, unknown>;
  const saved = holder[key];
  const old = {
    als: new AsyncLocalStorage(),
    pools: new WeakMap(),
    live: new Set(),
    emitters: new WeakSet(),
    log: { warn() {}, error() {}, info() {}, setLogger() {} },
  };
  holder[key] = old;
  try {
    const workerPool = { id: 'pool-old-global' };
    const ctx = { resolvedPreset: { jobdeck: { enabled: false } }, logger: undefined };
    const hooks = JobdeckPlugin.worker!.hooks! as unknown as {
      startWorker(ctx: unknown, event: { worker: { workerPool: object }; tasks: TaskList }): void;
    };
    hooks.startWorker(ctx, { worker: { workerPool }, tasks: {} });
    assert.ok(old.pools.has(workerPool), 'the pool was seen (a TypeError before would have left it unknown)');
    assert.equal((old as unknown as CompanionGlobal).contextOn, false, 'the missing fields are added');
    assert.ok((old as unknown as CompanionGlobal).runs instanceof Map);
  } finally {
    holder[key] = saved;
  }
});

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { DRAFT_REPORT_TASK, startDemoWorker, type DemoWorker } from '../../src/engine/demo/index.ts';
import { startFakeLlm, type FakeLlm } from '../../src/engine/demo/fake-llm.ts';
import type { LogLevel } from '../../src/engine/logger.ts';
import { scriptArgs } from '../helpers/scripts.ts';

// The demo's second worker: a separate Node process with the companion, started by the console in demo mode,
// stopped with it, never left behind, and never fatal to the demo when it cannot start.

const open: { db?: TestPostgres; llm?: FakeLlm; workers: DemoWorker[]; engines: TestEngine[] } = { workers: [], engines: [] };
after(async () => {
  for (const w of open.workers) await w.stop();
  for (const e of open.engines) await e.close();
  await open.llm?.close();
  await open.db?.close();
});

/** Whether a process id is alive (signal 0 tests without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const NO_FAILURES = { quota: 0, timeout: 0, invalidJson: 0, missingFields: 0, serverError: 0 };

test('it reports through the companion, runs its long reports, and stops cleanly releasing nothing held', async () => {
  const db = (open.db = await startTestPostgres());
  const llm = (open.llm = await startFakeLlm({ mix: NO_FAILURES, latencyMs: [5, 20] }));
  const worker = await startDemoWorker({
    connectionString: db.connectionString,
    pool: db.pool,
    llm: { baseUrl: llm.baseUrl, apiKey: llm.apiKey, model: 'gpt-4o-mini', timeoutMs: 5_000 },
    log: () => {},
    feeding: () => false,
    heartbeatIntervalMs: 500,
  });
  open.workers.push(worker);
  const row = await waitFor('its row in jobdeck.workers', async () => {
    const { rows } = await db.pool
      .query<{ pid: number; task_identifiers: string[]; companion_version: string }>(
        `select pid, task_identifiers, companion_version from jobdeck.workers where pool_id = $1`,
        [worker.poolId],
      )
      .catch(() => ({ rows: [] }));
    return rows[0];
  });
  assert.equal(row.pid, worker.pid);
  assert.deepEqual(row.task_identifiers, [DRAFT_REPORT_TASK, 'summarize']);
  assert.ok(row.companion_version);

  await db.pool.query(`select graphile_worker.add_job($1, '{"sections": 2}'::json)`, [DRAFT_REPORT_TASK]);
  const attempt = await waitFor('the report done and recorded', async () => {
    const { rows } = await db.pool.query<{ outcome: string; pool_id: string; model: string | null; calls_billed: boolean }>(
      `select outcome, pool_id, model, input_tokens > 0 and output_tokens > 0 as calls_billed from jobdeck.attempts where task = $1`,
      [DRAFT_REPORT_TASK],
    );
    return rows[0];
  });
  // Its two model calls' usage is recorded, as the demo's other tasks record theirs (the Usage view counts it).
  assert.deepEqual(attempt, { outcome: 'success', pool_id: worker.poolId, model: 'gpt-4o-mini', calls_billed: true });

  // A long one running when it is stopped: graphile-worker's graceful shutdown, then nothing left locked.
  await db.pool.query(`select graphile_worker.add_job($1, '{"sections": 500}'::json)`, [DRAFT_REPORT_TASK]);
  await waitFor('the long report running', async () => {
    const { rows } = await db.pool.query(`select 1 from graphile_worker._private_jobs where locked_by = $1`, [worker.poolId]);
    return rows.length > 0;
  });
  await worker.stop();
  assert.equal(alive(worker.pid), false, 'the process is gone');
  const { rows: held } = await db.pool.query(`select id from graphile_worker._private_jobs where locked_by = $1`, [worker.poolId]);
  assert.deepEqual(held, [], 'nothing is left locked by the stopped pool');
  const { rows: stopped } = await db.pool.query<{ stopped: boolean }>(
    `select stopped_at is not null as stopped from jobdeck.workers where pool_id = $1`,
    [worker.poolId],
  );
  assert.deepEqual(stopped, [{ stopped: true }], 'it said so itself when it stopped');
});

test('it does not outlive a console that dies without stopping it', async () => {
  const db = (open.db ??= await startTestPostgres());
  const parent = spawn(process.execPath, [...scriptArgs('test/fixtures/demo-worker-parent.ts'), db.connectionString], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  parent.stderr.on('data', (d) => (err += String(d)));
  parent.stdout.on('data', (d) => (out += String(d)));
  const parentExited = new Promise((resolve) => parent.once('exit', resolve));
  try {
    const pid = await waitFor('the worker started by the stand-in console', () => Number(/child (\d+)/.exec(out)?.[1]), 60_000);
    assert.equal(alive(pid), true);
    parent.kill('SIGKILL');
    await parentExited;
    await waitFor('the orphaned worker to stop itself', () => !alive(pid), 20_000);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${err}`, { cause: error });
  } finally {
    parent.kill('SIGKILL');
  }
});

test('a worker process that cannot start is reported, and leaves nothing running', async () => {
  const db = (open.db ??= await startTestPostgres());
  await assert.rejects(
    startDemoWorker({
      connectionString: db.connectionString,
      pool: db.pool,
      llm: { baseUrl: 'http://127.0.0.1:9/v1', apiKey: '', model: 'none', timeoutMs: 1000 },
      log: () => {},
      feeding: () => false,
      command: { execPath: process.execPath, args: ['-e', 'process.stderr.write("cannot load the companion\\n"); process.exit(3)'] },
    }),
    /the demo worker process did not start: it exited \(code 3\)/,
  );
});

test('the console in demo mode runs it next to its own runner, survives its failure to start, and stops it with itself', async () => {
  // A worker that cannot start: logged, and the demo goes on with the console's runner.
  const logs: string[] = [];
  const failing = await startTestEngine({
    demo: true,
    runner: true,
    log: (level: LogLevel, message: string) => logs.push(`${level}: ${message}`),
    demoWorker: { command: { execPath: process.execPath, args: ['-e', 'process.exit(3)'] } },
  });
  open.engines.push(failing);
  await waitFor('the failure logged', () => logs.find((l) => /demo worker process did not start: it exited \(code 3\)/.test(l)));
  assert.match(
    logs.find((l) => /did not start/.test(l))!,
    /^warn: .*the demo goes on with this console's runner alone/,
  );
  const status = await failing.call('app.status');
  assert.deepEqual([status.demo.active, status.runner.state], [true, 'running']);
  await failing.close();
  open.engines.pop();

  // A console stopped while its worker process still starts: said as what it is, not as a failure.
  const stopping: string[] = [];
  const slow = await startTestEngine({
    demo: true,
    runner: true,
    log: (level: LogLevel, message: string) => stopping.push(`${level}: ${message}`),
    demoWorker: { command: { execPath: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] } },
  });
  await slow.close();
  assert.ok(stopping.includes('info: the demo worker process was stopped while it started'), stopping.join('\n'));
  assert.ok(!stopping.some((l) => /did not start/.test(l)), stopping.join('\n'));

  const te = await startTestEngine({ demo: true, runner: true });
  open.engines.push(te);
  const both = await waitFor(
    'the hosted runner and the demo worker process listed',
    async () => {
      const list = await te.call('workers.list');
      const hosted = list.workers.find((w) => w.source === 'hosted');
      const companion = list.workers.find((w) => w.source === 'companion' && w.liveness === 'alive');
      return hosted && companion ? { hosted, companion } : null;
    },
    60_000,
  );
  assert.notEqual(both.companion.pid, process.pid, 'a process of its own');
  assert.equal(alive(both.companion.pid!), true);
  assert.deepEqual(both.companion.tasks, [DRAFT_REPORT_TASK, 'summarize']);

  // The demo's controls refuse bad input with the reason, and change nothing.
  const before = await te.call('app.status');
  for (const [input, message] of [
    [{ mix: { quota: 0.1, foo: 1 } }, /Unrecognized key/],
    [
      { mix: { quota: 1, timeout: 1, invalidJson: 1, missingFields: 1, serverError: 1 } },
      /the failure mix adds up to 5 with the current values: at most 1/,
    ],
    [{ mix: { quota: 0.5, timeout: 0.5, serverError: 0.5 } }, /the failure mix adds up to 1\.5\d* with the current values/],
  ] as const) {
    const refused = await te.engine.call('demo.update', input);
    assert.ok(!refused.ok && refused.error.code === 'invalid_input', JSON.stringify(refused));
    assert.match(JSON.stringify(refused.error), message);
  }
  const after = await te.call('app.status');
  assert.deepEqual(after.demo?.mix, before.demo?.mix);
  assert.equal(after.demo?.ratePerSecond, before.demo?.ratePerSecond);
  await te.close();
  open.engines.pop();
  assert.equal(alive(both.companion.pid!), false, 'stopped with the console: no orphan');
});

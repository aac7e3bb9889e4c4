import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { rule, seedShop } from './backfill-scenario.ts';
import { scriptArgs } from '../helpers/scripts.ts';

let db: TestPostgres;
let te: TestEngine;
let taskDir: string;
let other: ChildProcess | null = null;

const MINUTE = 60_000;
/** The next multiple of `minutes` past `at` (UTC): what `*\/N * * * *` means, computed without graphile-worker. */
const nextMark = (at: string, minutes: number) =>
  new Date((Math.floor(Date.parse(at) / (minutes * MINUTE)) + 1) * minutes * MINUTE).toISOString();

const knownRows = async () =>
  (
    await db.pool.query<{ identifier: string; known_since: Date; last_execution: Date | null }>(
      'select identifier, known_since, last_execution from graphile_worker._private_known_crontabs order by identifier',
    )
  ).rows;

before(async () => {
  db = await startTestPostgres();
  await seedShop(db.pool);
  taskDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-cron-tasks-'));
  writeFileSync(path.join(taskDir, 'enrich_product.js'), 'module.exports = async () => {};');
  te = await startTestEngine({ databaseUrl: db.connectionString, runner: true, taskDirectory: taskDir });
  await waitFor('the hosted runner', () => te.engine.parts.hosted.poolId());
  // Another worker on the same database, with a crontab of its own that ticks every minute: plain graphile-worker.
  other = spawn(process.execPath, scriptArgs('test/fixtures/cron-worker.ts'), {
    env: {
      ...process.env,
      CRON_WORKER: JSON.stringify({ connectionString: db.connectionString, crontab: '* * * * * nightly_report ?id=nightly' }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  other.stdout!.on('data', (d) => (out += d));
  await waitFor('the other worker', () => out.includes('ready'), 60_000);
});
after(async () => {
  if (other && other.exitCode === null) {
    const exited = new Promise((resolve) => other!.once('exit', resolve));
    other.kill('SIGTERM');
    await exited;
  }
  await te?.close();
  await db?.close();
  rmSync(taskDir, { recursive: true, force: true });
});

test("cron.list: the backfill schedule with its next run, another worker's entry with its last run, nothing written", async () => {
  const saved = await te.call('backfill.save', { rule: rule({ scheduleMinutes: 5 }) });
  const backfillId = `jobdeck_backfill_${saved.id}`;
  // The runner restarts with the schedule in its crontab; graphile-worker then records the entry.
  await waitFor('the backfill entry to be known', async () => (await knownRows()).some((r) => r.identifier === backfillId), 30_000);
  // The other worker's entry gets its last run at its first minute mark (graphile-worker does not fill a new entry).
  const otherRow = await waitFor(
    "the other worker's first tick",
    async () => (await knownRows()).find((r) => r.identifier === 'nightly' && r.last_execution),
    120_000,
    500,
  );

  const before = await knownRows();
  const list = await te.call('cron.list');
  assert.equal(list.runnerRunning, true);
  const backfill = list.entries.find((e) => e.identifier === backfillId);
  assert.ok(backfill, JSON.stringify(list.entries));
  assert.equal(backfill.source, 'backfill');
  assert.equal(backfill.task, `jobdeck_backfill:${saved.id}`);
  assert.equal(backfill.schedule, '*/5 * * * *');
  const backfillRow = before.find((r) => r.identifier === backfillId)!;
  assert.equal(backfill.knownSince, backfillRow.known_since.toISOString());
  const afterRows = await knownRows();
  // As graphile-worker recorded it (a tick may fall between the reads: either side of it is right).
  const backfillAfter = afterRows.find((r) => r.identifier === backfillId)!;
  assert.ok(
    [backfillRow, backfillAfter].some((r) => (r.last_execution?.toISOString() ?? null) === backfill.lastExecution),
    `${backfill.lastExecution} is what the table holds`,
  );
  assert.equal(backfill.nextRun, nextMark(list.at, 5));
  assert.equal(backfill.nextRunNote, null);

  const nightly = list.entries.find((e) => e.identifier === 'nightly');
  assert.ok(nightly, JSON.stringify(list.entries));
  assert.equal(nightly.source, 'database');
  assert.equal(nightly.task, null, 'the database keeps no task or schedule for it');
  assert.equal(nightly.schedule, null);
  assert.equal(nightly.nextRun, null);
  assert.match(nightly.nextRunNote ?? '', /another worker's crontab/);
  assert.equal(nightly.knownSince, otherRow.known_since.toISOString());
  // The list was read after the row: its last run is that tick or a later one, never earlier, and in the past.
  assert.ok(Date.parse(nightly.lastExecution!) >= otherRow.last_execution!.getTime());
  assert.ok(Date.parse(nightly.lastExecution!) <= Date.parse(list.at));
  assert.equal(list.entries.length, 2, 'one entry per identifier');

  // Reading is all it does: no entry added or re-dated in graphile-worker's private table (its ticks are its own).
  assert.deepEqual(
    afterRows.map((r) => [r.identifier, r.known_since.toISOString()]),
    before.map((r) => [r.identifier, r.known_since.toISOString()]),
  );
});

test('cron.list with the hosted runner stopped: the schedule stays listed, with no next run and the reason', async () => {
  await te.call('backfill.save', { rule: rule({ name: 'Stopped schedule', scheduleMinutes: 15 }) });
  await te.call('runner.stop');
  try {
    const list = await te.call('cron.list');
    assert.equal(list.runnerRunning, false);
    const entry = list.entries.find((e) => e.schedule === '*/15 * * * *');
    assert.ok(entry, JSON.stringify(list.entries));
    assert.equal(entry.nextRun, null);
    assert.match(entry.nextRunNote ?? '', /runner is stopped/);
  } finally {
    await te.call('runner.start');
  }
});

test('a removed backfill rule whose schedule graphile-worker still knows reads as a backfill schedule no longer run here', async () => {
  const saved = await te.call('backfill.save', { rule: rule({ name: 'Soon removed', scheduleMinutes: 10 }) });
  const id = `jobdeck_backfill_${saved.id}`;
  await waitFor('the entry to be known', async () => (await knownRows()).some((r) => r.identifier === id), 30_000);
  await te.call('backfill.remove', { id: saved.id });
  const entry = await waitFor('the schedule to be unloaded', async () => {
    const found = (await te.call('cron.list')).entries.find((e) => e.identifier === id);
    return found && found.task === null ? found : undefined;
  });
  assert.equal(entry.source, 'backfill', "not another worker's");
  assert.match(entry.nextRunNote ?? '', /a backfill schedule this console no longer runs/);
});

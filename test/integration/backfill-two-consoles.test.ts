import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { rule, seedShop } from './backfill-scenario.ts';

let db: TestPostgres;
let a: TestEngine;
let b: TestEngine;
let taskDir: string;
const FIVE_MINUTES = 5 * 60_000;

before(async () => {
  db = await startTestPostgres();
  await seedShop(db.pool);
  taskDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-tasks-'));
  writeFileSync(path.join(taskDir, 'enrich_product.js'), 'module.exports = async () => {};');
  // Two consoles (two SQLite files) watching one database; their runners start later, together.
  [a, b] = await Promise.all([
    startTestEngine({ databaseUrl: db.connectionString, runner: false, taskDirectory: taskDir }),
    startTestEngine({ databaseUrl: db.connectionString, runner: false, taskDirectory: taskDir }),
  ]);
});
after(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await db?.close();
  rmSync(taskDir, { recursive: true, force: true });
});

test('a rule scheduled in two Jobdecks on one database runs once per tick', async () => {
  const started = Date.now();
  const saved = await a.call('backfill.save', { rule: rule({ scheduleMinutes: 5 }) });
  const imported = await b.call('backfill.import', { document: await a.call('backfill.export', {}) });
  assert.deepEqual(imported, { created: 1, updated: 0 });
  assert.equal((await b.call('backfill.list'))[0].id, saved.id, 'the import keeps the id, hence the crontab id');
  // A tick was missed while no runner ran (test database only: this is graphile-worker's own bookkeeping).
  await db.pool.query(
    `insert into graphile_worker._private_known_crontabs (identifier, known_since, last_execution)
     values ($1, now() - interval '1 day', now() - interval '1 day')`,
    [`jobdeck_backfill_${saved.id}`],
  );
  // Both runners start at once and both catch up the missed tick (fill=5m): graphile-worker lets one schedule it.
  await Promise.all([a.call('runner.start'), b.call('runner.start')]);
  const scheduledRuns = async () =>
    (await a.call('backfill.runs', { id: saved.id })).filter((r) => r.trigger === 'schedule').length +
    (await b.call('backfill.runs', { id: saved.id })).filter((r) => r.trigger === 'schedule').length;
  await waitFor('the caught-up tick to run', async () => (await scheduledRuns()) >= 1, 20_000);
  // Both catch-ups are over once the tick is recorded and no scheduled job is left.
  await waitFor('the crontab bookkeeping to settle', async () => {
    const { rows } = await db.pool.query<{ ticked: boolean | null; left: number }>(
      `select (select last_execution > now() - interval '6 minutes' from graphile_worker._private_known_crontabs where identifier = $1) as ticked,
              (select count(*)::int from graphile_worker.jobs where task_identifier = $2) as left`,
      [`jobdeck_backfill_${saved.id}`, `jobdeck_backfill:${saved.id}`],
    );
    return rows[0].ticked && rows[0].left === 0;
  });
  // Each 5-minute mark crossed during the test is a legitimate extra tick; without the dedupe there would be two per tick.
  const ticks = 1 + Math.floor(Date.now() / FIVE_MINUTES) - Math.floor(started / FIVE_MINUTES);
  const runs = await scheduledRuns();
  assert.ok(runs >= 1 && runs <= ticks, `${runs} scheduled runs for ${ticks} tick(s)`);
  const { rows } = await db.pool.query<{ items: number; jobs: number }>(
    `select count(distinct payload->>'productId')::int as items, count(*)::int as jobs from graphile_worker._private_jobs where key like 'enrich_product:%'`,
  );
  assert.equal(rows[0].items, rows[0].jobs, 'no item queued twice');
});

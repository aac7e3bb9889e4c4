import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { crontabLine, scheduledTaskName } from '../../src/engine/backfill/schedule.ts';
import { LACKING, rule, seedShop } from './backfill-scenario.ts';

let db: TestPostgres;
let te: TestEngine;
let taskDir: string;

before(async () => {
  db = await startTestPostgres();
  await seedShop(db.pool);
  // The operator's own task directory (graphile-worker's convention); outside the repo, so plain CommonJS.
  taskDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-tasks-'));
  writeFileSync(
    path.join(taskDir, 'enrich_product.js'),
    `module.exports = async (payload, helpers) => {
       await helpers.query("insert into shop.product_enrichments (product_id, data) values ($1, '{}') on conflict do nothing", [payload.productId]);
     };`,
  );
  te = await startTestEngine({ databaseUrl: db.connectionString, runner: true, taskDirectory: taskDir });
  await waitFor('the hosted runner', () => te.engine.parts.hosted.poolId());
});
after(async () => {
  await te?.close();
  await db?.close();
  rmSync(taskDir, { recursive: true, force: true });
});

test('crontab lines: every N minutes, one schedule id per rule, one missed tick caught up, no retry', () => {
  assert.equal(
    crontabLine({ id: 'abc123', scheduleMinutes: 15 }),
    '*/15 * * * * jobdeck_backfill:abc123 ?id=jobdeck_backfill_abc123&fill=15m&max=1&jobKey=jobdeck_backfill_abc123',
  );
  assert.match(crontabLine({ id: 'abc123', scheduleMinutes: 120 })!, /^0 \*\/2 \* \* \* /);
  assert.match(crontabLine({ id: 'abc123', scheduleMinutes: 1440 })!, /^0 0 \* \* \* /);
  assert.equal(crontabLine({ id: 'abc123', scheduleMinutes: null }), null);
});

test('a scheduled rule is loaded into the hosted runner and its scheduled job runs the backfill', async () => {
  const poolBefore = te.engine.parts.hosted.poolId();
  const saved = await te.call('backfill.save', { rule: rule({ scheduleMinutes: 5, batchSize: 40 }) });
  const poolAfter = await waitFor('the runner to restart with the crontab', () => {
    const id = te.engine.parts.hosted.poolId();
    return id && id !== poolBefore ? id : null;
  });
  assert.ok(poolAfter);
  // graphile-worker registers each crontab id in known_crontabs: that row is what makes a tick run once
  // across every runner (every Jobdeck) holding the same rule on this database.
  await waitFor('the crontab id to be known', async () => {
    const { rows } = await db.pool.query(`select 1 from graphile_worker._private_known_crontabs where identifier = $1`, [
      `jobdeck_backfill_${saved.id}`,
    ]);
    return rows.length === 1;
  });
  // A tick is what the crontab adds: the same job, now, instead of waiting for the next 5-minute mark.
  await db.pool.query(`select graphile_worker.add_job($1, '{}'::json, max_attempts => 1)`, [scheduledTaskName(saved.id)]);
  const run = await waitFor(
    'the scheduled run to be logged',
    async () => {
      const runs = await te.call('backfill.runs', { id: saved.id });
      return runs.find((r) => r.trigger === 'schedule');
    },
    20_000,
  );
  assert.equal(run.missing, LACKING.length);
  assert.equal(run.enqueued, 40);
  assert.equal(run.error, null);
  const audit = te.engine.parts.audit.list({ limit: 5 }).find((a) => a.action === 'backfill.run');
  assert.equal(audit?.actor, 'schedule');
  // The hosted runner then processes the queued jobs with the operator's task: the backlog shrinks.
  const preview = await waitFor(
    'the queued items to get their output',
    async () => {
      const p = await te.call('backfill.preview', { target: { id: saved.id }, sampleSize: 0 });
      return p.missing === LACKING.length - 40 ? p : null;
    },
    20_000,
  );
  assert.equal(preview.queued + preview.running, 0);
});

test('removing the schedule takes the task out of the runner', async () => {
  const scheduled = rule({ name: 'scheduled, then not', scheduleMinutes: 15 });
  let poolBefore = te.engine.parts.hosted.poolId();
  const saved = await te.call('backfill.save', { rule: scheduled });
  await waitFor('the runner to restart with the crontab', () => {
    const id = te.engine.parts.hosted.poolId();
    return id && id !== poolBefore;
  });
  const feature = te.engine.parts.hooks.backfill;
  const session = te.engine.parts.sessions.current()!;
  const ours = () => ({
    crontab: (feature.crontab?.(session) ?? []).filter((line) => line.includes(saved.id)),
    tasks: Object.keys(feature.tasks?.(session) ?? {}).filter((task) => task === scheduledTaskName(saved.id)),
  });
  assert.deepEqual(ours(), { crontab: [crontabLine({ id: saved.id, scheduleMinutes: 15 })], tasks: [scheduledTaskName(saved.id)] });

  poolBefore = te.engine.parts.hosted.poolId();
  await te.call('backfill.save', { id: saved.id, rule: { ...scheduled, scheduleMinutes: null } });
  await waitFor('the runner to restart without the crontab', () => {
    const id = te.engine.parts.hosted.poolId();
    return id && id !== poolBefore;
  });
  assert.deepEqual(ours(), { crontab: [], tasks: [] });
});

test('a scheduled run that fails is logged, and its job fails with the reason (counted as a failure, not a success)', async () => {
  const poolBefore = te.engine.parts.hosted.poolId();
  const bad = await te.call('backfill.save', {
    rule: rule({ name: 'writes', query: `select nextval('shop.counter')`, scheduleMinutes: 10 }),
  });
  await waitFor('the runner to restart with the crontab', () => {
    const id = te.engine.parts.hosted.poolId();
    return id && id !== poolBefore;
  });
  const { rows } = await db.pool.query<{ id: string }>(
    `select (graphile_worker.add_job($1, '{}'::json, max_attempts => 1)).id::text as id`,
    [scheduledTaskName(bad.id)],
  );
  const run = await waitFor('the failed run to be logged', async () =>
    (await te.call('backfill.runs', { id: bad.id })).find((r) => r.error),
  );
  assert.match(run.error ?? '', /read-only/);
  assert.equal(run.trigger, 'schedule');
  const failed = await waitFor('the scheduled job to fail for good', async () => {
    const left = await db.pool.query<{ attempts: number; last_error: string | null }>(
      `select attempts, last_error from graphile_worker._private_jobs where id = $1 and attempts >= max_attempts and locked_at is null`,
      [rows[0].id],
    );
    return left.rows[0];
  });
  assert.match(failed.last_error ?? '', /read-only/);
});

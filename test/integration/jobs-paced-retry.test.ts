import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDatabase } from '../helpers/engine.ts';
import { HTTP_STATUS } from '../../src/shared/contract/index.ts';

// Paced retry (issue 14): a bulk retry released at N jobs a minute spreads run_at as promised, through
// graphile-worker's reschedule_jobs (attempts reset to 0, last_error kept); a zero rate is a 400 that changes nothing.

const s = useTestDatabase();

async function failedJobs(task: string, n: number): Promise<void> {
  await s.db.pool.query(
    `select graphile_worker.add_job($1, json_build_object('n', g), max_attempts := 1) from generate_series(1, $2::int) g`,
    [task, n],
  );
  await s.db.pool.query(
    `select graphile_worker.permanently_fail_jobs(array(select j.id from graphile_worker.jobs j where j.task_identifier = $1), 'You exceeded your current quota')`,
    [task],
  );
}

async function jobsOf(task: string) {
  const { rows } = await s.db.pool.query<{ id: string; run_at: Date; attempts: number; last_error: string | null }>(
    `select id, run_at, attempts, last_error from graphile_worker.jobs where task_identifier = $1 order by id`,
    [task],
  );
  return rows;
}

test('a paced retry of 1,000 jobs at 100 a minute: 0.6 s apart, oldest first, 100 in each minute, the last when the report says', async () => {
  await failedJobs('paced_task', 1000);
  const start = new Date(Date.now() + 3600_000);
  start.setMilliseconds(0);
  const report = await s.te.call('jobs.retry', {
    target: { filter: { tasks: ['paced_task'], states: ['failed'] } },
    runAt: start.toISOString(),
    pace: { perMinute: 100 },
  });
  assert.equal(report.affected, 1000);
  assert.equal(report.skipped, 0);
  assert.deepEqual(report.release, {
    perMinute: 100,
    first: start.toISOString(),
    last: new Date(start.getTime() + 999 * 600).toISOString(),
  });

  const jobs = await jobsOf('paced_task');
  assert.equal(jobs.length, 1000);
  jobs.forEach((job, i) => {
    assert.equal(job.run_at.getTime(), start.getTime() + i * 600, `job ${i} runs 0.6 s after the one before`);
    assert.equal(job.attempts, 0);
    assert.equal(job.last_error, 'You exceeded your current quota', 'the error is kept');
  });
  for (let minute = 0; minute < 10; minute++) {
    const from = start.getTime() + minute * 60_000;
    assert.equal(jobs.filter((j) => j.run_at.getTime() >= from && j.run_at.getTime() < from + 60_000).length, 100, `minute ${minute}`);
  }
  assert.equal(jobs.at(-1)!.run_at.toISOString(), report.release.last);
  const [audit] = await s.te.call('audit.list', { limit: 1 });
  assert.deepEqual((audit.detail as { params: unknown }).params, {
    runAt: start.toISOString(),
    pace: { perMinute: 100, start: start.toISOString() },
  });
});

test('a paced retry across chunks (5,000 ids each) keeps counting: 6,000 jobs at 6,000 a minute end a minute on', async () => {
  await failedJobs('paced_many', 6000);
  const start = new Date(Date.now() + 3600_000);
  start.setMilliseconds(0);
  const report = await s.te.call('jobs.retry', {
    target: { filter: { tasks: ['paced_many'] } },
    runAt: start.toISOString(),
    pace: { perMinute: 6000 },
  });
  assert.equal(report.affected, 6000);
  const jobs = await jobsOf('paced_many');
  const times = jobs.map((j) => j.run_at.getTime());
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
    'released oldest first',
  );
  assert.equal(new Set(times).size, 6000, 'every job its own 10 ms slot');
  assert.equal(times.at(-1), start.getTime() + 5999 * 10);
  assert.equal(report.release!.last, new Date(times.at(-1)!).toISOString());
});

test('a zero or negative rate, or a fractional one, is a 400 that changes nothing', async () => {
  await failedJobs('paced_bad', 5);
  const before = await jobsOf('paced_bad');
  for (const perMinute of [0, -5, 1.5]) {
    const result = await s.te.engine.call('jobs.retry', { target: { filter: { tasks: ['paced_bad'] } }, pace: { perMinute } });
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(HTTP_STATUS[result.error.code], 400);
  }
  assert.deepEqual(await jobsOf('paced_bad'), before);
});

test('a backfill run released at 10 a minute: its jobs run 6 s apart in the query order, from the chosen time', async () => {
  await s.db.pool.query(`create table paced_items (id int primary key); insert into paced_items select generate_series(1, 30)`);
  const rule = await s.te.call('backfill.save', {
    rule: {
      name: 'Paced items',
      query: 'select id from paced_items order by id',
      task: 'paced_backfill',
      payloadKey: 'itemId',
      batchSize: 50,
    },
  });
  const start = new Date(Date.now() + 3600_000);
  start.setMilliseconds(0);
  const result = await s.te.call('backfill.run', { id: rule.id, runAt: start.toISOString(), pace: { perMinute: 10 } });
  assert.equal(result.jobIds.length, 30);
  assert.deepEqual(result.release, {
    perMinute: 10,
    first: start.toISOString(),
    last: new Date(start.getTime() + 29 * 6000).toISOString(),
  });
  const { rows } = await s.db.pool.query<{ item: number; run_at: Date }>(
    `select (payload->>'itemId')::int as item, run_at from graphile_worker._private_jobs where task_id =
       (select id from graphile_worker._private_tasks where identifier = 'paced_backfill') order by 1`,
  );
  assert.deepEqual(
    rows.map((r) => r.run_at.getTime()),
    rows.map((r) => start.getTime() + (r.item - 1) * 6000),
  );
});

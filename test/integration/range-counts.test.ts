/**
 * The overview's counts kept per id range (RangeCounts), following the history watcher's passes so that Postgres
 * reads the jobs once for both: after every kind of change, found by either kind of pass, and after time alone moved
 * jobs, they equal a full count, while reading only the ranges that changed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueryResultRow } from 'pg';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { countJobs, type CountResult } from '../../src/engine/monitor/count-query.ts';
import { RangeCounts } from '../../src/engine/monitor/range-counts.ts';
import { CHANGED_RANGES_SQL, bucketHashSql, parseRanges, xid32 } from '../../src/engine/history/watch-scan.ts';
import type { RangeDetection } from '../../src/engine/pg/id-ranges.ts';
import { JOB_STATES } from '../../src/shared/model/job-state.ts';

let db: TestPostgres;
let serverVersion: number;
const q = <R extends QueryResultRow>(sql: string, params: unknown[] = []) => db.pool.query<R>(sql, params).then((r) => r.rows);

before(async () => {
  db = await startTestPostgres();
  serverVersion = (await q<{ v: number }>(`select current_setting('server_version_num')::int as v`))[0].v;
});
after(async () => {
  await db?.close();
});

/** What the overview and the Stuck report read of a count, times left out (the two counts begin moments apart). */
function figures(r: CountResult) {
  const pick = (c: Record<(typeof JOB_STATES)[number], number> & { dueRetries?: number; parkedNew?: number; parkedRetries?: number }) =>
    [...JOB_STATES.map((k) => c[k]), c.dueRetries ?? 0, c.parkedNew ?? 0, c.parkedRetries ?? 0].join(' ');
  const s = r.snapshot;
  return {
    totals: pick(s.totals),
    byTask: Object.fromEntries(s.byTask.map((t) => [t.task, `${pick(t)} held ${JSON.stringify(t.heldBy ?? {})}`])),
    byQueue: Object.fromEntries(s.byQueue.map((x) => [x.queue, `${pick(x)} locked ${x.locked} by ${x.lockedBy}`])),
    pools: s.pools?.map((p) => `${p.poolId}:${p.jobs}`),
    locked: r.stuck.locked.map((j) => `${j.id} ${j.task} ${j.queue} ${j.lockedBy} ${j.lockedAt} ${j.runAt} ${j.attempts}/${j.maxAttempts}`),
    due: r.stuck.due.map((d) => `${d.task}/${d.queue}:${d.due}`).sort(),
    failedPrint: r.stuck.failedPrint,
    recent: r.stuck.recentFailures.map((f) => `${f.id} ${f.task} ${f.head}`).sort(),
    recentComplete: r.stuck.recentFailuresComplete,
    soon: r.soon.map((g) => `${g.task}/${g.queue}: ${g.ready.join(',')} | ${g.retries.join(',')}`).sort(),
  };
}

/** Every range's hash, as the watcher's hash pass reads it. */
async function hashPass(): Promise<RangeDetection> {
  const startedAt = Date.now();
  const [row] = await q<{ ranges: string | null }>(bucketHashSql(serverVersion));
  return { kind: 'hash', startedAt, ranges: new Map(parseRanges(row.ranges).map(([b, hash]) => [Number(b), hash])) };
}

/** Each range's job count and whether it was written since `since` (a snapshot xmin), as the watcher's pass by ids reads it. */
async function xminPass(since: bigint): Promise<RangeDetection> {
  const startedAt = Date.now();
  const [row] = await q<{ ranges: string | null }>(CHANGED_RANGES_SQL, [xid32(since)]);
  const ranges = new Map(
    parseRanges(row.ranges).map(([b, jobs, touched]) => [Number(b), { jobs: Number(jobs), touched: touched !== '0' }]),
  );
  return { kind: 'xmin', startedAt, ranges };
}
const snapshotXmin = async () => BigInt((await q<{ x: string }>(`select txid_snapshot_xmin(txid_current_snapshot())::text as x`))[0].x);

async function assertAgrees(ranges: RangeCounts, message: string): Promise<CountResult> {
  const kept = await ranges.count(db.pool, 0);
  const full = await countJobs(db.pool, new Date(0).toISOString(), true);
  assert.deepEqual(figures(kept), figures(full), message);
  // Ages, to within the moment between the two counts: the oldest due job's wait, each pool's newest lock.
  const ages = (r: CountResult) => [
    r.snapshot.totals.oldestDueMs ?? -1,
    ...r.snapshot.byTask.map((t) => t.oldestDueMs ?? -1),
    ...(r.snapshot.pools ?? []).map((p) => p.newestLockMs),
  ];
  const [a, b] = [ages(kept), ages(full)];
  assert.equal(a.length, b.length, message);
  a.forEach((age, i) => assert.ok(Math.abs(age - b[i]) <= 2_000, `${message}: age ${i} ${age} against ${b[i]}`));
  return kept;
}

/** A worker's failed attempt, as graphile-worker's fail_job writes it. */
const fail = (id: string, message: string) =>
  q(
    `update graphile_worker._private_jobs set locked_at = null, locked_by = null, last_error = $2,
       run_at = greatest(now(), run_at) + exp(least(attempts, 10)) * interval '1 second' where id = $1`,
    [id, message],
  );

const jobsOf = (task: string) =>
  q<{ id: string }>(
    `select j.id::text from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
     where t.identifier = $1 order by j.id`,
    [task],
  ).then((rows) => rows.map((r) => r.id));

test('after takes, successes, failures, retries, new ranges and removed ones, the counts kept per range equal a full count', async () => {
  // About twelve ranges of 128 ids: waiting jobs, a serial queue, jobs due in a second and in an hour.
  await q(`select graphile_worker.add_job('rc_ok', '{}'::json) from generate_series(1, 900)`);
  // The first hundred have waited an hour: the oldest due jobs, all in the first range.
  await q(
    `update graphile_worker._private_jobs set run_at = now() - interval '1 hour' where id <= (select min(id) + 99 from graphile_worker._private_jobs)`,
  );
  await q(`select graphile_worker.add_job('rc_serial', '{}'::json, queue_name => 'rc_q') from generate_series(1, 300)`);
  await q(
    `select graphile_worker.add_job('rc_soon', '{}'::json, run_at => now() + interval '1500 milliseconds') from generate_series(1, 40)`,
  );
  await q(`select graphile_worker.add_job('rc_later', '{}'::json, run_at => now() + interval '1 hour') from generate_series(1, 60)`);
  const ranges = new RangeCounts();
  const first = await assertAgrees(ranges, 'the first count reads every range');
  assert.ok(first.snapshot.rangesRead! >= 11, `every range read: ${first.snapshot.rangesRead}`);

  // Nothing changed: nothing is read again.
  ranges.note(await hashPass());
  assert.equal(ranges.pending(), false, 'a pass that finds nothing marks nothing');
  const since = await snapshotXmin();

  // A worker takes jobs (one of them in the serial queue, which it locks), two succeed (deleted), one fails with
  // attempts left, one fails for good; a job is added in a new range.
  const ok = await jobsOf('rc_ok');
  await q(
    `update graphile_worker._private_jobs set locked_at = now(), locked_by = 'pool-a', attempts = attempts + 1 where id = any($1::int8[])`,
    [ok.slice(0, 5)],
  );
  const serial = await jobsOf('rc_serial');
  await q(`update graphile_worker._private_jobs set locked_at = now(), locked_by = 'pool-b', attempts = 1 where id = $1`, [serial[0]]);
  await q(`update graphile_worker._private_job_queues set locked_at = now(), locked_by = 'pool-b' where queue_name = 'rc_q'`);
  await q(`delete from graphile_worker._private_jobs where id = any($1::int8[])`, [ok.slice(0, 2)]);
  await fail(ok[2], 'quota exceeded (429)');
  await q(`update graphile_worker._private_jobs set max_attempts = 1 where id = $1`, [ok[3]]);
  await fail(ok[3], 'could not parse the answer');
  await q(`select graphile_worker.add_job('rc_new', '{}'::json)`);
  ranges.note(await xminPass(since));
  const second = await assertAgrees(ranges, 'after takes, successes and failures found by transaction ids');
  assert.ok(second.snapshot.rangesRead! <= 3, `only the ranges that changed are read: ${second.snapshot.rangesRead}`);
  assert.ok(
    second.stuck.recentFailures.some((f) => f.head === 'could not parse the answer'),
    'the failure for good is listed',
  );

  // A retry from the console and the deletion of a whole range, found by a hash pass.
  await q(`select graphile_worker.reschedule_jobs(array[$1::int8], run_at => now(), attempts => 0)`, [ok[3]]);
  const later = await jobsOf('rc_later');
  await q(`select graphile_worker.permanently_fail_jobs($1::int8[], 'cancelled by an operator')`, [later.slice(0, 3)]);
  // The range holding the oldest due jobs: the oldest wait is looked for again among the others.
  const oldestRange = Math.floor(Number(ok[0]) / 128) * 128;
  await q(`delete from graphile_worker._private_jobs where id >= $1 and id < $2`, [oldestRange, oldestRange + 128]);
  ranges.note(await hashPass());
  const third = await assertAgrees(ranges, 'after a retry, a cancel and the range of the oldest due jobs deleted, found by a hash pass');
  assert.ok(third.snapshot.rangesRead! <= 3, `only the ranges that changed are read: ${third.snapshot.rangesRead}`);

  // Time alone: the jobs due in a second and a half fall due with no pass and no range read.
  await new Promise((resolve) => setTimeout(resolve, 1_700));
  const fourth = await assertAgrees(ranges, 'jobs that fell due move to Ready without a count of their ranges');
  assert.equal(fourth.snapshot.rangesRead, 0);
  assert.equal(fourth.snapshot.byTask.find((t) => t.task === 'rc_soon')?.ready, 40);
});

test('a pass reported while every range is being counted is held to that count, and a failed count keeps its marks', async () => {
  await q(`select graphile_worker.add_job('rc2', '{}'::json) from generate_series(1, 300)`);
  const ranges = new RangeCounts();
  const counting = ranges.count(db.pool, 0);
  // Found while the first count runs: the new job may or may not be in it, so its range is read again after.
  await q(`select graphile_worker.add_job('rc2_more', '{}'::json)`);
  ranges.note(await hashPass());
  await counting;
  await assertAgrees(ranges, 'the change found during the first count is counted after it');

  await q(`select graphile_worker.add_job('rc2_more', '{}'::json)`);
  ranges.note(await hashPass());
  const failing = { query: () => Promise.reject(new Error('connection lost')) };
  await assert.rejects(ranges.count(failing as never, 0), /connection lost/);
  assert.equal(ranges.pending(), true, 'the marks of a failed count stay');
  await assertAgrees(ranges, 'the next count reads what the failed one did not');
});

test('a pass reported while some ranges are being counted is compared with what that count found, not with the figures before it', async () => {
  await q(`select graphile_worker.add_job('rc3', '{}'::json) from generate_series(1, 10)`);
  const ranges = new RangeCounts();
  await ranges.count(db.pool, 0);
  const beforeAdd = await snapshotXmin();
  const [{ id }] = await q<{ id: string }>(`select (graphile_worker.add_job('rc3_quick', '{}'::json)).id::text as id`);
  ranges.note(await xminPass(beforeAdd));
  const afterAdd = await snapshotXmin();
  // The ranges' read is answered (with the new job), then held while the job leaves and a pass reports its range
  // back at the job count it had before the job came.
  let answered!: () => void;
  let release!: () => void;
  const read = new Promise<void>((resolve) => (answered = resolve));
  const held = new Promise<void>((resolve) => (release = resolve));
  const holding = {
    query: async (...args: Parameters<typeof db.pool.query>) => {
      const result = await (db.pool.query as (...a: unknown[]) => Promise<unknown>)(...args);
      if (String(args[0]).includes('unnest($2')) {
        answered();
        await held;
      }
      return result;
    },
  };
  const counting = ranges.count(holding as never, 0);
  await read;
  await q(`delete from graphile_worker._private_jobs where id = $1`, [id]);
  ranges.note(await xminPass(afterAdd));
  release();
  const during = await counting;
  assert.equal(during.snapshot.byTask.find((t) => t.task === 'rc3_quick')?.ready, 1, 'the count held the job as it found it');
  assert.equal(ranges.pending(), true, 'the pass reported meanwhile marks the range that count read');
  const after = await assertAgrees(ranges, 'the next count reads it again');
  assert.equal(
    after.snapshot.byTask.find((t) => t.task === 'rc3_quick'),
    undefined,
  );
});

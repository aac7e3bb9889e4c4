import { beforeEach, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDatabase } from '../helpers/engine.ts';
import { startCompanionWorker, waitFor, type CompanionChild, type WorkerConfig } from '../fixtures/companion-kit/child.ts';
import type { JobdeckEvent, OpName } from '../../src/shared/contract/index.ts';

// Worker liveness, known from the companion's heartbeat, decides every unlock: real worker processes (the
// companion-kit child) killed with SIGKILL or left running, and the console's operations against them.

const t = useTestDatabase();
const q = async <R extends object = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  (await t.db.pool.query<R & import('pg').QueryResultRow>(sql, params)).rows;

beforeEach(async () => {
  await q(`create table if not exists cdk_runs (id bigserial primary key, job_id bigint not null, attempt int not null,
             pid int not null, started_at timestamptz not null, ended_at timestamptz)`);
  await q(`create table if not exists cdk_release (job_id bigint primary key)`);
  await q(`delete from graphile_worker._private_jobs`);
  await q(`update graphile_worker._private_job_queues set locked_at = null, locked_by = null`);
  await q(`truncate cdk_runs, cdk_release`);
  await t.te.call('recovery.configure', { autoUnlockGone: false });
});

/** Starts a worker process for this test only: every one is killed when the test ends, so none takes a later test's jobs. */
async function worker(c: TestContext, config: Partial<WorkerConfig> = {}): Promise<CompanionChild> {
  const child = await startCompanionWorker({ connectionString: t.db.connectionString, concurrency: 3, ...config });
  c.after(() => child.kill());
  return child;
}

/** Adds `n` cd_record jobs and returns their ids, ascending. */
const addJobs = async (n: number, payload: object) =>
  (
    await q<{ id: string }>(
      `select (graphile_worker.add_job('cd_record', $1::json)).id::text as id from generate_series(1, $2) order by 1`,
      [JSON.stringify(payload), n],
    )
  ).map((r) => r.id);

const lockedBy = async (ids: string[]) =>
  (
    await q<{ locked_by: string | null }>(`select locked_by from graphile_worker._private_jobs where id = any($1::bigint[]) order by id`, [
      ids,
    ])
  ).map((r) => r.locked_by);

/** Waits until `child` holds every job of `ids` and has started running each. */
const heldBy = (child: CompanionChild, ids: string[]) =>
  waitFor(`pool ${child.poolId} to run ${ids.length} jobs`, async () => {
    const runs = await q<{ n: number }>(`select count(*)::int as n from cdk_runs where job_id = any($1::bigint[]) and pid = $2`, [
      ids,
      child.process.pid,
    ]);
    return runs[0].n === ids.length && (await lockedBy(ids)).every((p) => p === child.poolId);
  });

const poolIn = async (poolId: string) => (await t.te.call('stuck.get', {})).pools.find((p) => p.poolId === poolId);
const workerIn = async (poolId: string) => (await t.te.call('workers.list', {})).workers.find((w) => w.poolId === poolId);

/** Runs per job, in order: how many, by which processes, and which of them ended (a killed run never does). */
const runsOf = async (ids: string[]) =>
  q<{ job_id: string; n: number; pids: number[]; ended: boolean[] }>(
    `select job_id::text, count(*)::int as n, array_agg(pid order by id) as pids, array_agg(ended_at is not null order by id) as ended
     from cdk_runs where job_id = any($1::bigint[]) group by 1 order by 1`,
    [ids],
  );

const latestAuditId = () => t.te.engine.parts.audit.list({ limit: 1 })[0]?.id ?? 0;
const auditSince = (id: number) => t.te.engine.parts.audit.list({ limit: 200 }).filter((a) => a.id > id);

const jobsLeft = async (ids: string[]) =>
  (await q<{ n: number }>(`select count(*)::int as n from graphile_worker._private_jobs where id = any($1::bigint[])`, [ids]))[0].n;

test('a worker with the companion killed with SIGKILL: known gone within 20 s, its jobs stuck, unlocked without force, run again elsewhere', async (c) => {
  const dying = await worker(c); // the default 5 s heartbeat
  const ids = await addJobs(3, { holdFirst: true });
  await heldBy(dying, ids);
  await waitFor('the worker to report', async () => (await workerIn(dying.poolId))?.liveness === 'alive');
  const alive = await poolIn(dying.poolId);
  assert.deepEqual([alive?.liveness, alive?.knownBy, alive?.pid], ['alive', 'companion', dying.process.pid]);
  assert.equal((await t.te.call('stuck.get', {})).stuckJobs.length, 0, 'jobs a live worker runs are not stuck');

  await dying.kill();
  // Gone once its heartbeat is three intervals late (15 s), by the database's clock: not after the 15 min lock threshold.
  const gone = await waitFor(
    'the killed worker to be known gone, its jobs stuck',
    async () => {
      const report = await t.te.call('stuck.get', {});
      const pool = report.pools.find((p) => p.poolId === dying.poolId);
      const stuck = report.stuckJobs.filter((j) => j.lockedBy === dying.poolId).map((j) => j.id);
      return pool?.liveness === 'gone' && stuck.length === ids.length ? { pool, stuck } : null;
    },
    20_000,
    250,
  );
  assert.deepEqual(gone.stuck.sort(), ids);
  assert.equal(gone.pool.knownBy, 'companion');
  assert.equal(gone.pool.pid, dying.process.pid);
  assert.ok(gone.pool.host && gone.pool.lastHeartbeatAt);
  assert.match(gone.pool.reason, /No heartbeat/);
  assert.equal((await workerIn(dying.poolId))?.liveness, 'gone');

  // Cancelling a job the gone worker holds: said at once (no 10 s wait for an answer that cannot come), with what
  // to do instead, and no request left behind for a worker that will never read it.
  const started = Date.now();
  const cancel = await t.te.call('jobs.cancel', { target: { ids: [ids[0]] } });
  assert.ok(Date.now() - started < 5_000, `answered in ${Date.now() - started} ms`);
  assert.deepEqual([cancel.affected, cancel.skipped], [0, 1]);
  assert.match(
    cancel.skippedByReason[0].reason,
    new RegExp(
      `^held by a worker that is gone \\(${dying.poolId}: no heartbeat .*\\): it runs nowhere\\. Unlock its jobs in the Stuck view`,
    ),
  );
  assert.equal((await q<{ n: number }>(`select count(*)::int as n from jobdeck.cancel_requests where job_id = $1`, [ids[0]]))[0].n, 0);
  assert.equal(await jobsLeft(ids), 3, 'nothing removed');

  const rescuer = await worker(c);
  // Beside an id that holds nothing (a typo): the pool is unlocked, the other listed as holding nothing, and no verdict
  // is made up for it.
  const unlocked = await t.te.call('stuck.unlock', { poolIds: [dying.poolId, 'pool-that-holds-nothing'] });
  assert.deepEqual(
    [unlocked.jobsUnlocked, unlocked.jobsRequeued, unlocked.refused],
    [3, 3, [{ poolId: 'pool-that-holds-nothing', reason: 'it holds no lock (released already, or not a pool id)' }]],
    'known gone: no confirmation needed',
  );
  await waitFor('the jobs to run again in the other worker and finish', async () => (await jobsLeft(ids)) === 0);
  for (const r of await runsOf(ids)) {
    assert.deepEqual([r.n, r.pids, r.ended], [2, [dying.process.pid, rescuer.process.pid], [false, true]], `job ${r.job_id}`);
  }
  const audit = t.te.engine.parts.audit.list({ limit: 5 }).find((a) => a.action === 'stuck.unlock');
  assert.equal(audit?.affected, 3);
  assert.deepEqual((audit?.detail as { pools: Record<string, { liveness: string; pid: number }> }).pools[dying.poolId], {
    liveness: 'gone',
    knownBy: 'companion',
    host: gone.pool.host,
    pid: dying.process.pid,
    lastHeartbeatAt: gone.pool.lastHeartbeatAt,
  });
  assert.equal((audit?.detail as { pools: Record<string, unknown> }).pools['pool-that-holds-nothing'], undefined);

  // Asked again, when it holds nothing any more: a 404 that says so, and nothing audited.
  const audits = t.te.engine.parts.audit.list({ limit: 100 }).length;
  const again = await t.te.engine.call('stuck.unlock', { poolIds: [dying.poolId] });
  assert.ok(!again.ok && again.error.code === 'not_found', JSON.stringify(again));
  assert.match(again.error.message, /^No job or named queue is locked by "pool-[^"]+": nothing to unlock/);
  assert.equal(t.te.engine.parts.audit.list({ limit: 100 }).length, audits);
});

test('unlocking a live worker’s jobs is refused by every operation that can unlock, whatever force says; its jobs run once', async (c) => {
  const live = await worker(c, { jobdeck: { heartbeatIntervalMs: 1000 } });
  const ids = await addJobs(3, { hold: true });
  await heldBy(live, ids);
  await waitFor('the worker to report', async () => (await workerIn(live.poolId))?.liveness === 'alive');
  // An idle worker with the same tasks: had any unlock gone through, it would have taken the jobs a second time.
  const idle = await worker(c, { jobdeck: { heartbeatIntervalMs: 1000 } });
  const before = await q(`select id, locked_by, locked_at, attempts from graphile_worker._private_jobs order by id`);
  const since = latestAuditId();

  const calls: [OpName, object][] = [];
  for (const force of [false, true]) {
    calls.push(
      ['jobs.unlock', { target: { ids: [ids[0]] }, force }],
      ['jobs.unlock', { target: { filter: { tasks: ['cd_record'] } }, force }],
      ['jobs.unlock', { target: { filter: { states: ['running'] } }, force }],
      ['stuck.unlock', { poolIds: [live.poolId], force }],
      ['stuck.retry', { target: { kind: 'pool', poolId: live.poolId }, force }],
      ['stuck.retry', { target: { kind: 'jobs', ids }, force }],
      ['stuck.cancel', { target: { kind: 'pool', poolId: live.poolId }, force }],
      ['stuck.cancel', { target: { kind: 'jobs', ids: [ids[1]] }, force }],
    );
  }
  for (const [name, input] of calls) {
    const result = await t.te.engine.call(name, input);
    const what = `${name} ${JSON.stringify(input)}`;
    assert.equal(result.ok, false, `${what} must be refused`);
    if (result.ok) continue;
    assert.equal(result.error.code, 'conflict', what);
    const message = result.error.message;
    assert.ok(message.includes(`pool ${live.poolId}`), `${what}: ${message}`);
    assert.ok(message.includes(`pid ${live.process.pid}`) && /host \S+/.test(message) && /last heartbeat \d{4}-/.test(message), message);
  }
  // Recovery, by hand or automatic, only ever takes pools that are not alive.
  assert.equal((await t.te.call('recovery.run', {})).jobsUnlocked, 0);
  await t.te.call('recovery.configure', { autoUnlockGone: true });
  assert.equal(await t.te.engine.parts.recovery.auto.check(), null);

  assert.deepEqual(
    await q(`select id, locked_by, locked_at, attempts from graphile_worker._private_jobs order by id`),
    before,
    'nothing changed',
  );
  assert.deepEqual(
    auditSince(since).filter((a) => a.affected > 0),
    [],
    'no audit entry says something was unlocked',
  );
  await q(`insert into cdk_release select unnest($1::bigint[])`, [ids]);
  await waitFor('the jobs to finish', async () => (await jobsLeft(ids)) === 0);
  for (const r of await runsOf(ids)) assert.deepEqual([r.n, r.pids, r.ended], [1, [live.process.pid], [true]], `job ${r.job_id} ran once`);
  assert.equal((await q(`select count(*)::int as n from cdk_runs where pid = $1`, [idle.process.pid]))[0].n, 0);
});

test('a pool that stopped cleanly yet still holds a lock is unlocked without confirmation', async (c) => {
  const child = await worker(c, { jobdeck: { heartbeatIntervalMs: 1000 } });
  const [id] = await addJobs(1, { holdFirst: true });
  await heldBy(child, [id]);
  await waitFor('the worker to report', async () => (await workerIn(child.poolId))?.liveness === 'alive');
  // graphile-worker's own shutdown releases what its pool holds; a lock outliving a clean stop (a failure that
  // could not be written as the pool closed) is simulated: the process dies, and its row says it stopped.
  await child.kill();
  await q(`update jobdeck.workers set stopped_at = now() where pool_id = $1`, [child.poolId]);

  const report = await t.te.call('stuck.get', {});
  const pool = report.pools.find((p) => p.poolId === child.poolId);
  assert.deepEqual([pool?.liveness, pool?.knownBy], ['stopped', 'companion']);
  assert.ok(pool?.stoppedAt);
  assert.deepEqual(
    report.stuckJobs.map((j) => j.id),
    [id],
    'a stopped pool’s lock is stuck whatever its age',
  );
  const unlocked = await t.te.call('jobs.unlock', { target: { ids: [id] } });
  assert.deepEqual([unlocked.affected, unlocked.skipped], [1, 0]);
  assert.deepEqual(await lockedBy([id]), [null]);
});

test('automatic recovery: off, a gone worker’s jobs stay locked; on, they are unlocked with no operator action, audited', async (c) => {
  const events: JobdeckEvent[] = [];
  c.after(t.te.engine.subscribe((e) => events.push(e)));
  const auto = t.te.engine.parts.recovery.auto;
  const since = latestAuditId();

  const first = await worker(c, { jobdeck: { heartbeatIntervalMs: 1000 } });
  const firstIds = await addJobs(2, { holdFirst: true });
  await heldBy(first, firstIds);
  await waitFor('the worker to report', async () => (await workerIn(first.poolId))?.liveness === 'alive');
  assert.equal((await t.te.call('recovery.settings', {})).autoUnlockGone, false, 'off by default');
  await first.kill();
  await waitFor('the killed worker to be known gone', async () => (await workerIn(first.poolId))?.liveness === 'gone');
  const seen = auto.checks();
  await waitFor('two automatic checks to have run', () => auto.checks() >= seen + 2);
  assert.deepEqual(await lockedBy(firstIds), [first.poolId, first.poolId], 'off: nothing happens');
  assert.equal(auditSince(since).filter((a) => a.action === 'recovery.auto').length, 0);

  // On: what is already gone is unlocked at the next check, and a worker that dies later is unlocked as it dies.
  const taker = await worker(c, { jobdeck: { heartbeatIntervalMs: 1000 } });
  const settings = await t.te.call('recovery.configure', { autoUnlockGone: true });
  assert.equal(settings.autoUnlockGone, true);
  await waitFor('the first worker’s jobs to run again', async () => (await jobsLeft(firstIds)) === 0);
  const second = await worker(c, { jobdeck: { heartbeatIntervalMs: 1000 } });
  await taker.kill();
  const secondIds = await addJobs(2, { holdFirst: true });
  await heldBy(second, secondIds);
  await waitFor('the worker to report', async () => (await workerIn(second.poolId))?.liveness === 'alive');
  const later = await worker(c, { jobdeck: { heartbeatIntervalMs: 1000 } });
  await second.kill();
  await waitFor(
    'the second worker’s jobs to be unlocked and run again, with no operator action',
    async () => (await jobsLeft(secondIds)) === 0,
    30_000,
  );
  for (const r of await runsOf(secondIds)) assert.deepEqual(r.pids, [second.process.pid, later.process.pid], `job ${r.job_id}`);

  const entries = auditSince(since).filter((a) => a.action === 'recovery.auto');
  const byPool = new Map(entries.map((a) => [(a.target as { poolId: string }).poolId, a]));
  for (const [child, jobs] of [
    [first, firstIds],
    [second, secondIds],
  ] as const) {
    const entry = byPool.get(child.poolId);
    assert.ok(entry, `an audit entry for ${child.poolId}`);
    assert.equal(entry.actor, 'jobdeck');
    assert.equal(entry.affected, jobs.length);
    const target = entry.target as { poolId: string; host: string; pid: number };
    assert.equal(target.pid, child.process.pid);
    assert.ok(target.host);
  }
  const recoveries = events.filter((e): e is Extract<JobdeckEvent, { type: 'recovery' }> => e.type === 'recovery');
  assert.ok(recoveries.some((e) => e.report.trigger === 'auto' && e.report.poolsWithLocks.includes(second.poolId)));
  assert.equal((await t.te.call('stuck.get', {})).lastRecovery?.trigger, 'auto');
});

test('a worker without the companion: liveness unknown, judged from lock age as before, never unlocked automatically', async (c) => {
  const plain = await worker(c, { jobdeck: { enabled: false } });
  const [id] = await addJobs(1, { holdFirst: true });
  await heldBy(plain, [id]);
  const fresh = await poolIn(plain.poolId);
  assert.deepEqual([fresh?.liveness, fresh?.knownBy], ['probably-alive', 'locks']);
  assert.match(fresh?.reason ?? '', /^Judged from lock age \(no companion/);
  assert.equal((await workerIn(plain.poolId))?.liveness, 'unknown');

  const refused = await t.te.call('stuck.unlock', { poolIds: [plain.poolId] });
  assert.deepEqual([refused.jobsUnlocked, refused.refused.map((r) => r.poolId)], [0, [plain.poolId]]);
  assert.match(refused.refused[0].reason, /confirm to unlock anyway/);
  const skipped = await t.te.call('jobs.unlock', { target: { ids: [id] } });
  assert.deepEqual([skipped.affected, skipped.skipped], [0, 1]);

  await plain.kill();
  await t.te.call('recovery.configure', { autoUnlockGone: true });
  assert.equal(await t.te.engine.parts.recovery.auto.check(), null, 'an unknown pool is never unlocked automatically');
  assert.deepEqual(await lockedBy([id]), [plain.poolId]);

  // Its newest lock grows old (simulated: waiting the 15 min threshold is not a test): judged gone, unlocked without force.
  await q(`update graphile_worker._private_jobs set locked_at = now() - interval '20 minutes' where id = $1`, [id]);
  const old = await t.te.call('stuck.get', {});
  assert.equal(old.pools.find((p) => p.poolId === plain.poolId)?.liveness, 'probably-gone');
  assert.deepEqual(
    old.stuckJobs.map((j) => j.id),
    [id],
  );
  const unlocked = await t.te.call('stuck.unlock', { poolIds: [plain.poolId] });
  assert.deepEqual([unlocked.jobsUnlocked, unlocked.refused], [1, []]);
});

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Db } from '../../src/engine/store/db.ts';
import { MIGRATIONS } from '../../src/engine/store/migrations/index.ts';
import { attemptsRepo, boundError } from '../../src/engine/history/attempts-repo.ts';
import { exactAttemptsRepo, type ExactAttempt } from '../../src/engine/history/exact-attempts.ts';
import { applyBuckets } from '../../src/engine/history/watch-apply.ts';
import { failureRollup } from '../../src/engine/history/failure-rollup.ts';
import { settleVanished } from '../../src/engine/history/watch-settle.ts';
import type { WatchedJobRow } from '../../src/engine/history/watch-scan.ts';
import { decodeRange, encodeRange, type CopiedJob } from '../../src/engine/history/watch-copy.ts';
import { MAX_ERROR_CHARS } from '../../src/shared/model/history.ts';

// How the watcher's inferences and the workers' own accounts (hosted runner, companion) meet in SQLite: whatever
// the order they arrive in, an attempt and a job's end are counted once.

const C = 'conn';
const T0 = Date.UTC(2025, 0, 1, 12);

function store(t: TestContext) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-accounts-'));
  const db = openStore(path.join(dir, 'jobdeck.sqlite'));
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const attempts = attemptsRepo(db);
  const exact = exactAttemptsRepo(db, attempts, () => 'other');
  const record = (a: Partial<ExactAttempt>) =>
    db.transaction(() =>
      exact.record({
        connectionId: C,
        jobId: 5,
        task: 'task',
        queue: null,
        attempt: 1,
        maxAttempts: 3,
        startedAt: T0,
        finishedAt: T0 + 100,
        durationMs: 100,
        outcome: 'success',
        error: null,
        poolId: 'pool-a',
        source: 'companion',
        sourceId: 1,
        generation: 1_000,
        ...a,
      }),
    )();
  const job = (over: Partial<WatchedJobRow> = {}): WatchedJobRow => ({
    id: 5,
    task: 'task',
    queue: null,
    attempts: 0,
    maxAttempts: 3,
    locked: false,
    poolId: null,
    lastError: null,
    generation: 1_000,
    runAtMs: T0,
    ...over,
  });
  /** One watcher pass over the range of job 5, seeing `rows` in Postgres. */
  const scan = (rows: WatchedJobRow[], awaitsReport: boolean, now = T0 + 1_000) =>
    applyBuckets(
      { db, attempts, connectionId: C, classify: () => 'other', awaitsReport: () => awaitsReport, now },
      [0],
      rows,
      new Map([[0, `${rows.length}:${now}`]]),
    );
  return { db, record, scan, attempts, job };
}

const successes = (db: Db) =>
  (db.prepare('select coalesce(sum(successes), 0) as n from success_minutes where connection_id = ?').get(C) as { n: number }).n;
const failures = (db: Db) =>
  db.prepare('select attempt, source, error from failure_attempts where connection_id = ? order by attempt, id').all(C) as {
    attempt: number;
    source: string;
    error: string;
  }[];

test('a success reported between the watcher reading Postgres and writing its copy is not counted again', (t) => {
  const { db, record, scan, job } = store(t);
  // The watcher read the job while it still ran; the companion's account came before the watcher wrote its copy.
  assert.equal(record({}), true);
  scan([job({ locked: true, attempts: 1 })], true);
  const r = scan([], true);
  assert.deepEqual([r.successes, r.deferred], [0, 0]);
  assert.equal(successes(db), 1);
});

test('a job the watcher saw leave waits for the companion, whose account then counts it once', (t) => {
  const { db, record, scan, attempts, job } = store(t);
  scan([job()], true);
  assert.equal(scan([], true).deferred, 1);
  assert.equal(record({}), true);
  assert.deepEqual(settleVanished(db, attempts, C, Number.MAX_SAFE_INTEGER, T0 + 5_000), { successes: 0, removed: 0 });
  assert.equal(successes(db), 1);
});

test('a judgement the watcher made before a late account is corrected, not doubled', (t) => {
  const { db, record, scan, attempts, job } = store(t);
  scan([job()], true);
  scan([], true);
  assert.deepEqual(settleVanished(db, attempts, C, T0 + 2_000, T0 + 3_000), { successes: 1, removed: 0 });
  assert.equal(record({ finishedAt: T0 + 2_500 }), true, 'the late success');
  assert.equal(successes(db), 1, 'counted by the watcher, not again');

  // A job the watcher took as a success that the companion says was cancelled: a cancelled attempt (with its
  // reason), no success, and no failed attempt either.
  scan([job({ id: 6 })], true);
  scan([], true);
  settleVanished(db, attempts, C, T0 + 2_000, T0 + 3_000);
  assert.equal(successes(db), 2);
  record({ jobId: 6, outcome: 'cancelled', error: 'cancelled from Jobdeck', finishedAt: T0 + 2_600 });
  assert.equal(successes(db), 1);
  assert.deepEqual(failures(db), []);
  assert.deepEqual(db.prepare(`select attempt, outcome, source, error from job_attempts where job_id = 6`).all(), [
    { attempt: 1, outcome: 'cancelled', source: 'companion', error: 'cancelled from Jobdeck' },
  ]);

  // A permanently failed job retried in bulk that succeeded: "removed" by the watcher, a success by the companion.
  scan([job({ id: 7, attempts: 3, lastError: 'boom' })], true);
  scan([], true);
  assert.deepEqual(settleVanished(db, attempts, C, T0 + 2_000, T0 + 3_000), { successes: 0, removed: 1 });
  record({ jobId: 7, finishedAt: T0 + 2_700 });
  assert.equal(successes(db), 2);
});

test('a job judged at once (no account awaited yet) and then reported after all is counted once', (t) => {
  // The companion's feed had not started reading when the watcher saw the job leave (a CI run counted 12 of 6).
  const { db, record, scan, job } = store(t);
  scan([job()], false);
  assert.equal(scan([], false).successes, 1);
  assert.equal(record({ finishedAt: T0 + 900 }), true, 'the account that came after the judgement');
  assert.equal(successes(db), 1, 'counted by the watcher, not again');
  // A cancelled job the watcher judged a success at once: the success is taken back.
  scan([job({ id: 6 })], false);
  scan([], false);
  assert.equal(successes(db), 2);
  record({ jobId: 6, outcome: 'cancelled', error: 'cancelled from Jobdeck', finishedAt: T0 + 900 });
  assert.equal(successes(db), 1);
});

test('one failure, whichever account comes first; the same attempt read twice or reported by both sources is kept once', (t) => {
  const { db, record, scan, job } = store(t);
  // The watcher first (its time estimated from run_at), then the companion: taken over.
  const failedAt = T0 + 100;
  scan([job({ attempts: 1, lastError: 'boom #1', runAtMs: failedAt + Math.exp(1) * 1000 })], false);
  assert.deepEqual(
    failures(db).map((f) => f.source),
    ['watch'],
  );
  assert.equal(record({ outcome: 'failure', error: 'boom #1', finishedAt: failedAt + 30 }), true);
  assert.deepEqual(
    failures(db).map((f) => [f.attempt, f.source, f.error]),
    [[1, 'companion', 'boom #1']],
  );
  // The companion first, then the watcher's guess (another generation: an admin action came between): not added.
  assert.equal(
    record({ outcome: 'failure', error: 'boom #2', attempt: 2, startedAt: T0 + 5_000, finishedAt: T0 + 5_100, generation: -9 }),
    true,
  );
  scan([job({ attempts: 2, lastError: 'boom #2', generation: 1_001, runAtMs: T0 + 5_100 + Math.exp(2) * 1000 })], false);
  assert.deepEqual(
    failures(db).map((f) => [f.attempt, f.source]),
    [
      [1, 'companion'],
      [2, 'companion'],
    ],
  );
  // Read twice (the cursor's overlap), and reported by the hosted runner too (its clock read a millisecond apart).
  assert.equal(record({ outcome: 'failure', error: 'boom #2', attempt: 2, startedAt: T0 + 5_000, finishedAt: T0 + 5_100 }), false);
  assert.equal(
    record({ outcome: 'failure', error: 'boom #2', attempt: 2, startedAt: T0 + 5_001, finishedAt: T0 + 5_101, source: 'runner' }),
    false,
  );
  assert.equal(failures(db).length, 2);
  // A manual retry runs attempt 1 again, later: a new attempt.
  assert.equal(record({ outcome: 'success', attempt: 1, startedAt: T0 + 60_000, finishedAt: T0 + 60_050 }), true);
  assert.equal((db.prepare('select count(*) as n from job_attempts').get() as { n: number }).n, 3);
});

test('migration 8 (exact attempts) keeps the failure history and its rollup', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-migrate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'jobdeck.sqlite');
  const before = openStore(file, { migrations: MIGRATIONS.filter((m) => m.id < 8) });
  before
    .prepare(
      `insert into failure_attempts (connection_id, job_id, generation, task, attempt, at, error, error_type, source)
       values (?, 1, 0, 'task', 1, ?, 'boom', 'other', 'watch')`,
    )
    .run(C, T0);
  before.close();
  const db = openStore(file);
  t.after(() => db.close());
  assert.deepEqual(db.prepare('select id, source, error from failure_attempts').all(), [{ id: 1, source: 'watch', error: 'boom' }]);
  db.prepare(
    `insert into failure_attempts (connection_id, job_id, generation, task, attempt, at, error, error_type, source)
     values (?, 2, 0, 'task', 1, ?, 'bang', 'other', 'companion')`,
  ).run(C, T0 + 1);
  // New rows are counted when the rollup is folded (each writer's transaction, and every reader, does it).
  failureRollup(db).fold();
  assert.deepEqual(db.prepare('select n from failure_quarters').all(), [{ n: 2 }], 'the rollup counts old and new rows');
  assert.equal((db.prepare('select max(id) as id from failure_attempts').get() as { id: number }).id, 2, 'ids go on from the old ones');
});

test('a success reported after the watcher copied the job marks the copy: the job leaving is not counted again', (t) => {
  const { db, record, scan, job } = store(t);
  scan([job({ id: 5 }), job({ id: 6 })], true);
  assert.equal(record({ jobId: 5 }), true);
  const r = scan([job({ id: 6 })], true);
  assert.deepEqual([r.successes, r.deferred], [0, 0], 'job 5 was counted by its worker; nothing waits for it');
  assert.equal(successes(db), 1);
  // Job 6, never reported, leaves next: its end waits for a worker's account as before.
  assert.equal(scan([], true).deferred, 1);
});

test("migration 018 carries the watcher's copy over from a row per job to a text per range", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-watch-copy-'));
  const file = path.join(dir, 'old.sqlite');
  try {
    const old = openStore(file, { migrations: MIGRATIONS.filter((m) => m.id < 18) });
    old.exec(`
      insert into watch_buckets (connection_id, bucket, hash) values ('${C}', 0, '2:9'), ('${C}', 1, '1:7'), ('other', 0, '1:3');
      -- Job 300's range has no hash row (the old watcher dropped it when the job came after the hash pass).
      insert into watch_jobs (connection_id, job_id, task, queue, attempts, max_attempts, locked, error_hash, gone) values
        ('${C}', 300, 'enrich', null, 0, 3, 0, 0, 0);
      insert into watch_jobs (connection_id, job_id, task, queue, attempts, max_attempts, locked, error_hash, gone) values
        ('${C}', 5, 'summarize', 'q', 2, 25, 0, 1234, 0),
        ('${C}', 127, 'enrich', null, 1, 3, 1, 0, 1),
        ('${C}', 130, 'summarize', null, 0, 3, 0, 0, 0),
        ('other', 5, 'x', null, 0, 1, 0, 0, 0);`);
    old.close();
    const db = openStore(file);
    try {
      const copy = new Map<number, CopiedJob>();
      for (const { bucket, jobs } of db.prepare(`select bucket, jobs from watch_buckets where connection_id = ?`).all(C) as {
        bucket: number;
        jobs: string;
      }[])
        decodeRange(bucket, jobs, copy);
      assert.deepEqual(
        [...copy.values()].sort((a, b) => a.jobId - b.jobId),
        [
          { jobId: 5, task: 'summarize', attempts: 2, maxAttempts: 25, locked: false, errorHash: 1234, gone: false },
          { jobId: 127, task: 'enrich', attempts: 1, maxAttempts: 3, locked: true, errorHash: 0, gone: true },
          { jobId: 130, task: 'summarize', attempts: 0, maxAttempts: 3, locked: false, errorHash: 0, gone: false },
          { jobId: 300, task: 'enrich', attempts: 0, maxAttempts: 3, locked: false, errorHash: 0, gone: false },
        ],
      );
      assert.deepEqual(
        db.prepare(`select bucket, hash from watch_buckets where connection_id = ? and bucket = 2`).get(C),
        { bucket: 2, hash: '' },
        'a hash that matches nothing: the next scan reads the range again',
      );
      const tables = db.prepare(`select name from sqlite_master where name = 'watch_jobs'`).all();
      assert.deepEqual(tables, [], 'the per-job table is gone');
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a range copy keeps tasks of any name, `constructor` and `__proto__` included', () => {
  const jobs: CopiedJob[] = ['constructor', '__proto__', 'toString', 'summarize'].map((task, i) => ({
    jobId: 256 + i,
    task,
    attempts: i,
    maxAttempts: 25,
    locked: i % 2 === 1,
    errorHash: i * 7,
    gone: i === 3,
  }));
  const copy = new Map<number, CopiedJob>();
  decodeRange(2, encodeRange(2, jobs), copy);
  assert.deepEqual(
    [...copy.values()].sort((a, b) => a.jobId - b.jobId),
    jobs,
  );
});

test('an error text is cut to its bound without splitting a character in two', () => {
  const emoji = '\u{1F525}'; // two UTF-16 units
  const text = 'x'.repeat(MAX_ERROR_CHARS - 1) + emoji + 'tail';
  const bounded = boundError(text);
  assert.ok(!bounded.includes('\uD83D\u2026'), 'no half character before the ellipsis');
  assert.ok(bounded.startsWith('x'.repeat(MAX_ERROR_CHARS - 1) + '\u2026'));
  assert.equal(boundError('short ' + emoji), 'short ' + emoji);
});

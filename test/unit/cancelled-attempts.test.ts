/**
 * A cancelled attempt is not a failed attempt: it is kept on its own row (with its reason), never in
 * failure_attempts, so no failure count, rate or rollup includes it (migration 016 and history/exact-attempts.ts).
 * A data folder written before that keeps its real failures and loses only the cancels from its counts.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Db } from '../../src/engine/store/db.ts';
import { MIGRATIONS } from '../../src/engine/store/migrations/index.ts';
import { attemptsRepo } from '../../src/engine/history/attempts-repo.ts';
import { exactAttemptsRepo, type ExactAttempt } from '../../src/engine/history/exact-attempts.ts';
import { failureRollup } from '../../src/engine/history/failure-rollup.ts';
import { summarize } from '../../src/engine/history/summary.ts';
import { backfillDurations } from '../../src/engine/history/duration-backfill.ts';
import { classifyError } from '../../src/shared/errors/index.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-cancelled-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const AT = Date.UTC(2026, 11, 3, 12, 0, 0);

function attempt(jobId: number, outcome: ExactAttempt['outcome'], error: string | null): ExactAttempt {
  return {
    connectionId: 'c1',
    jobId,
    task: 'summarize',
    queue: null,
    attempt: 1,
    maxAttempts: 3,
    startedAt: AT - 1_000,
    finishedAt: AT,
    durationMs: 1_000,
    outcome,
    error,
    poolId: 'pool-a',
    source: 'companion',
    sourceId: jobId,
    generation: 0,
  };
}

const failureRows = (db: Db) =>
  db.prepare('select job_id, error_type from failure_attempts order by job_id').all() as { job_id: number; error_type: string }[];
const quarterCounts = (db: Db) =>
  db.prepare('select error_type, n from failure_quarters order by error_type').all() as { error_type: string; n: number }[];
const attemptErrors = (db: Db) =>
  db.prepare('select job_id, outcome, error from job_attempts order by job_id').all() as {
    job_id: number;
    outcome: string;
    error: string | null;
  }[];

test('a cancelled attempt is recorded with its reason and adds nothing to the failures', () => {
  const db = openStore(path.join(dir, 'new.sqlite'));
  try {
    const exact = exactAttemptsRepo(db, attemptsRepo(db), classifyError);
    const { recorded } = db.transaction(() =>
      exact.recordMany([
        attempt(1, 'cancelled', 'Cancelled by operator'),
        attempt(2, 'failure', 'Error code: 429 - quota'),
        attempt(3, 'cancelled', null),
      ]),
    )();
    failureRollup(db).fold();
    assert.deepEqual(failureRows(db), [{ job_id: 2, error_type: 'rate_limit' }]);
    assert.deepEqual(quarterCounts(db), [{ error_type: 'rate_limit', n: 1 }]);
    assert.deepEqual(attemptErrors(db), [
      { job_id: 1, outcome: 'cancelled', error: 'Cancelled by operator' },
      { job_id: 2, outcome: 'failure', error: null },
      { job_id: 3, outcome: 'cancelled', error: 'Cancelled (no reason recorded)' },
    ]);
    // Processing times are of runs that ended on their own: the failure's only.
    assert.deepEqual(summarize(db, 'c1', '24h', [], undefined, AT + 60_000).durations, { count: 1, avgMs: 1000, p95Ms: 1000 });
    // All three are new (the usage rollups count each by its outcome); only the failure has an error type.
    assert.deepEqual(
      recorded.map((r) => [r.attempt.outcome, r.errorType]),
      [
        ['cancelled', null],
        ['failure', 'rate_limit'],
        ['cancelled', null],
      ],
    );
  } finally {
    db.close();
  }
});

test('migration 016 moves the cancels written as failures out of failure_attempts and of the counts', async () => {
  const file = path.join(dir, 'old.sqlite');
  const old = openStore(file, { migrations: MIGRATIONS.filter((m) => m.id < 16) });
  try {
    // As the engine wrote them before: each cancel also a failed attempt of type 'cancelled', counted.
    const attemptRow = old.prepare(
      `insert into job_attempts (connection_id, job_id, task, queue, attempt, max_attempts, started_at, finished_at, duration_ms,
                                 outcome, pool_id, source, source_id)
       values ('c1', ?, 'summarize', null, 1, 3, ${AT - 1_000}, ${AT}, 1000, ?, 'pool-a', 'companion', ?)`,
    );
    const failureRow = old.prepare(
      `insert into failure_attempts (connection_id, job_id, generation, task, queue, attempt, max_attempts, at, error, error_type,
                                     duration_ms, pool_id, source, final)
       values ('c1', ?, 0, 'summarize', null, 1, 3, ${AT}, ?, ?, 1000, 'pool-a', ?, ?)`,
    );
    old.transaction(() => {
      attemptRow.run(1, 'cancelled', 1);
      failureRow.run(1, 'Cancelled by operator', 'cancelled', 'companion', 1);
      attemptRow.run(2, 'failure', 2);
      failureRow.run(2, 'Error code: 429 - quota', 'rate_limit', 'companion', 0);
      // A failure whose message reads as a cancel (a library's CancelledError) is a real failure: it stays.
      attemptRow.run(3, 'failure', 3);
      failureRow.run(3, 'asyncio.CancelledError', 'cancelled', 'companion', 0);
    })();
    failureRollup(old).fold();
    assert.deepEqual(quarterCounts(old), [
      { error_type: 'cancelled', n: 2 },
      { error_type: 'rate_limit', n: 1 },
    ]);
  } finally {
    old.close();
  }

  const db = openStore(file);
  try {
    assert.deepEqual(failureRows(db), [
      { job_id: 2, error_type: 'rate_limit' },
      { job_id: 3, error_type: 'cancelled' },
    ]);
    assert.deepEqual(quarterCounts(db), [
      { error_type: 'cancelled', n: 1 },
      { error_type: 'rate_limit', n: 1 },
    ]);
    assert.deepEqual(attemptErrors(db), [
      { job_id: 1, outcome: 'cancelled', error: 'Cancelled by operator' },
      { job_id: 2, outcome: 'failure', error: null },
      { job_id: 3, outcome: 'failure', error: null },
    ]);
    // The two failures are processing times; the cancelled run is not (runs recorded before the duration rollups are
    // counted into them in the background).
    await backfillDurations(db);
    assert.equal(summarize(db, 'c1', '24h', [], undefined, AT + 60_000).durations.count, 2);
  } finally {
    db.close();
  }
});

test('an attempt whose failure cannot be written leaves nothing behind, and is written whole when read again', () => {
  const db = openStore(path.join(dir, 'refused.sqlite'));
  try {
    let broken = true;
    const classify = (message: string) => {
      if (broken) throw new Error('the classifier broke');
      return classifyError(message);
    };
    const exact = exactAttemptsRepo(db, attemptsRepo(db), classify);
    const first = db.transaction(() =>
      exact.recordMany([attempt(1, 'failure', 'Error: 429 Too Many Requests'), attempt(2, 'success', null)]),
    )();
    assert.deepEqual(
      first.errors.map((e) => [e.attempt.jobId, (e.error as Error).message]),
      [[1, 'the classifier broke']],
    );
    assert.deepEqual(
      first.recorded.map((r) => r.attempt.jobId),
      [2],
      'the success beside it is kept',
    );
    // Its own row went with its failure: a row alone would make the next read take it as known and write no failure.
    assert.deepEqual(
      attemptErrors(db).map((r) => r.job_id),
      [2],
    );
    assert.deepEqual(failureRows(db), []);

    broken = false;
    const again = db.transaction(() => exact.recordMany([attempt(1, 'failure', 'Error: 429 Too Many Requests')]))();
    assert.deepEqual(again.errors, []);
    assert.deepEqual(
      again.recorded.map((r) => [r.attempt.jobId, r.errorType]),
      [[1, 'rate_limit']],
    );
    assert.deepEqual(
      attemptErrors(db).map((r) => r.job_id),
      [1, 2],
    );
    assert.deepEqual(failureRows(db), [{ job_id: 1, error_type: 'rate_limit' }]);
  } finally {
    db.close();
  }
});

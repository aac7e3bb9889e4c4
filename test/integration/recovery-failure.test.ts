import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestPostgres, withDatabase, type TestPostgres } from '../helpers/postgres.ts';
import { createEngine, type Engine } from '../../src/engine/index.ts';
import { profileIdForUrl } from '../../src/engine/pg/connection-string.ts';
import type { RecoveryReport, StuckReport } from '../../src/shared/model/stuck.ts';

let db: TestPostgres;
let engine: Engine | null = null;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-recovery-fail-'));

before(async () => {
  db = await startTestPostgres();
});
after(async () => {
  await engine?.stop(2_000);
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a recovery that fails does not block start-up: it is reported to the console and the log', async () => {
  // A role that may act on jobs (so the console is not read-only) but was not granted UPDATE on the queue table:
  // force_unlock_workers cannot run as it.
  const partial = db.roleName('partial');
  await db.pool.query(`create role ${partial} login bypassrls password 'partial'; -- graphile-worker's tables use row-level security
    grant usage on schema graphile_worker to ${partial};
    grant select, update, delete on graphile_worker._private_jobs to ${partial};
    grant select on graphile_worker._private_tasks, graphile_worker._private_job_queues, graphile_worker.migrations to ${partial};
    grant execute on all functions in schema graphile_worker to ${partial}`);
  const url = withDatabase(db.connectionString, db.database, { user: partial, password: 'partial' });

  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  const logs: string[] = [];
  engine = createEngine({ dataDir, mode: 'web', log: (level, message) => logs.push(`${level}: ${message}`) });
  engine.parts.db
    .prepare('insert into runner_pools (pool_id, connection_id, pid, started_at) values (?, ?, ?, ?)')
    .run('pool-crashed', profileIdForUrl(url), child.pid!, Date.now() - 60_000);
  await db.pool.query(`select graphile_worker.add_job('t', '{}'::json, job_key => 'held')`);
  await db.pool.query(`update graphile_worker._private_jobs set locked_by = 'pool-crashed', locked_at = now(), attempts = 1`);
  const events: RecoveryReport[] = [];
  engine.subscribe((e) => e.type === 'recovery' && events.push(e.report));

  await engine.start({ databaseUrl: url, runner: false });

  assert.equal(engine.status().connection.state, 'online', 'start-up went on');
  assert.equal(engine.status().connection.readOnlyReason, null);
  assert.equal(events.length, 1);
  assert.match(events[0].error ?? '', /^Recovery failed: .*permission denied/);
  assert.equal(events[0].trigger, 'startup');
  assert.ok(
    logs.some((l) => /^error: recovery: Recovery failed/.test(l)),
    logs.join('\n'),
  );
  const result = await engine.call('stuck.get', {});
  assert.ok(result.ok);
  assert.match((result.data as StuckReport).lastRecovery?.error ?? '', /permission denied/);
  // Nothing was half done: the job is still locked (the unlock ran in one transaction), and the pool not marked.
  const [job] = (await db.pool.query<{ locked_by: string | null }>(`select locked_by from graphile_worker._private_jobs`)).rows;
  assert.equal(job.locked_by, 'pool-crashed');
  const row = engine.parts.db.prepare('select recovered_at from runner_pools where pool_id = ?').get('pool-crashed') as {
    recovered_at: number | null;
  };
  assert.equal(row.recovered_at, null, 'the next start-up tries again');
});

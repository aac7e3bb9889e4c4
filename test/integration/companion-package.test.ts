import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startCompanionWorker, waitFor } from '../fixtures/companion-kit/child.ts';
import { LATEST_MIGRATION, printSchemaSql } from '../../src/worker/schema.ts';

// The companion as users get it: `npm run build:worker` builds dist/worker (ESM, CommonJS, types), the exports
// map serves it as `jobdeck/worker`, the built code runs in a real worker, and the printed schema works for a
// DBA-managed setup with the documented grants.

const root = path.resolve(import.meta.dirname, '../..');
let tmp: string;
let db: TestPostgres;

before(() => {
  execFileSync('npm', ['run', 'build:worker', '--silent'], { cwd: root, stdio: 'pipe' });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-companion-pkg-'));
});

after(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await db?.close();
});

test('the build has ESM, CommonJS and type declarations, and no console code', () => {
  for (const f of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts', 'plugin.d.ts', 'usage.d.cts']) {
    assert.ok(existsSync(path.join(root, 'dist/worker', f)), f);
  }
  for (const f of ['index.js', 'index.cjs']) {
    const code = readFileSync(path.join(root, 'dist/worker', f), 'utf8');
    assert.doesNotMatch(code, /electron|react|better-sqlite3|src\/engine|src\/renderer/, `${f} is console-free`);
  }
  assert.doesNotMatch(readFileSync(path.join(root, 'dist/worker/index.d.ts'), 'utf8'), /\.ts['"]/, 'declarations point at .js');
});

test('imported by path from another folder: ESM import() and CommonJS require() both give JobdeckPreset', () => {
  const esm = path.join(tmp, 'esm.mjs');
  writeFileSync(
    esm,
    `const m = await import(${JSON.stringify(path.join(root, 'dist/worker/index.js'))});
     console.log(JSON.stringify({ name: m.JobdeckPreset.plugins[0].name, usage: typeof m.recordUsage, sql: m.printSchemaSql().length > 0 }));`,
  );
  const cjs = path.join(tmp, 'cjs.cjs');
  writeFileSync(
    cjs,
    `const m = require(${JSON.stringify(path.join(root, 'dist/worker/index.cjs'))});
     console.log(JSON.stringify({ name: m.JobdeckPreset.plugins[0].name, usage: typeof m.recordUsage, sql: m.printSchemaSql().length > 0 }));`,
  );
  const expected = { name: 'JobdeckCompanionPlugin', usage: 'function', sql: true };
  for (const script of [esm, cjs]) {
    const out = execFileSync(process.execPath, [script], { cwd: tmp, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), expected, script);
  }
});

test('through the exports map: `jobdeck/worker` resolves for import and require', () => {
  // A project folder whose node_modules/jobdeck is this repository (what `npm install <path>` makes).
  const project = path.join(tmp, 'project');
  execFileSync('mkdir', ['-p', path.join(project, 'node_modules')]);
  execFileSync('ln', ['-s', root, path.join(project, 'node_modules/jobdeck')]);
  writeFileSync(path.join(project, 'package.json'), '{"type":"module"}');
  const code = `
    import { createRequire } from 'node:module';
    const esm = await import('jobdeck/worker');
    const cjs = createRequire(import.meta.url)('jobdeck/worker');
    console.log(JSON.stringify([esm.JobdeckPreset.plugins[0].name, cjs.JobdeckPreset.plugins[0].name,
      import.meta.resolve('jobdeck/worker').endsWith('/dist/worker/index.js')]));`;
  writeFileSync(path.join(project, 'main.mjs'), code);
  const out = execFileSync(process.execPath, ['main.mjs'], { cwd: project, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), ['JobdeckCompanionPlugin', 'JobdeckCompanionPlugin', true]);
});

test('a TypeScript project typechecks against the declarations, as ESM and as CommonJS', () => {
  const project = path.join(tmp, 'typed');
  const nm = path.join(project, 'node_modules');
  execFileSync('mkdir', ['-p', path.join(nm, '@graphile')]);
  execFileSync('ln', ['-s', root, path.join(nm, 'jobdeck')]);
  for (const dep of ['graphile-worker', 'graphile-config', '@types', 'tslib', 'pg', '@graphile/logger']) {
    execFileSync('ln', ['-s', path.join(root, 'node_modules', dep), path.join(nm, dep)]);
  }
  const source = `
    import { run, type Task } from 'graphile-worker';
    import { JobdeckPreset, recordUsage, jobAbortSignal, type JobdeckOptions } from 'jobdeck/worker';
    const options: JobdeckOptions = { flushIntervalMs: 100 };
    const task: Task = async (_payload, helpers) => {
      recordUsage({ model: 'm', inputTokens: 1, outputTokens: 2 });
      recordUsage({ rawOutput: {} }, helpers);
      void jobAbortSignal()?.aborted;
    };
    export const start = () => run({ preset: { extends: [JobdeckPreset], jobdeck: options }, taskList: { task } });
    export const preset: GraphileConfig.Preset = { extends: [JobdeckPreset], jobdeck: { retentionDays: 1 } };
  `;
  writeFileSync(path.join(project, 'esm.mts'), source);
  writeFileSync(path.join(project, 'cjs.cts'), source);
  writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, types: ['node'], target: 'es2022' },
      files: ['esm.mts', 'cjs.cts'],
    }),
  );
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', project], { encoding: 'utf8' });
});

test('npm pack would ship the companion build and its docs', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
  for (const f of [
    'dist/worker/index.js',
    'dist/worker/index.cjs',
    'dist/worker/index.d.ts',
    'docs/companion-schema.sql',
    'package.json',
  ]) {
    assert.ok(files.includes(f), `${f} in the tarball`);
  }
});

test('docs/companion-schema.sql is exactly printSchemaSql()', () => {
  assert.equal(readFileSync(path.join(root, 'docs/companion-schema.sql'), 'utf8'), printSchemaSql());
});

test('the built CommonJS companion in a real worker, with a DBA-made schema and only the documented grants', async () => {
  db = await startTestPostgres();
  const admin = db.pool;
  await admin.query(`create role jd_worker login password 'jd_worker'`);
  await admin.query(`create role jd_console login password 'jd_console'`);
  // Twice: the script is idempotent.
  await admin.query(printSchemaSql({ workerRole: 'jd_worker', consoleRole: 'jd_console' }));
  await admin.query(printSchemaSql({ workerRole: 'jd_worker', consoleRole: 'jd_console' }));
  const as = (role: string) => {
    const url = new URL(db.connectionString);
    url.username = role;
    url.password = role;
    return url.toString();
  };
  const child = await startCompanionWorker({
    connectionString: db.connectionString,
    companion: 'dist-cjs',
    jobdeck: { connectionString: as('jd_worker'), heartbeatIntervalMs: 300 },
  });
  try {
    const {
      rows: [job],
    } = await admin.query<{ id: string }>(`select id from graphile_worker.add_job('cd_wait_abort', '{}'::json)`);
    await waitFor(
      'running',
      async () => (await admin.query(`select 1 from graphile_worker.jobs where id = $1 and locked_at is not null`, [job.id])).rows.length,
    );
    const consoleClient = new pg.Client(as('jd_console'));
    await consoleClient.connect();
    try {
      // The read-only console role can read everything, write nothing.
      // The pool's row is written by its first heartbeat, which may commit a moment after it took the job.
      const workers = await waitFor("the pool's row", async () => {
        const { rows } = await consoleClient.query<{ pool_id: string; companion_version: string }>(
          `select pool_id, companion_version from jobdeck.workers`,
        );
        return rows.length ? rows : null;
      });
      assert.deepEqual(
        workers.map((w) => w.pool_id),
        [child.poolId],
      );
      assert.equal(
        workers[0].companion_version,
        (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version,
      );
      await assert.rejects(consoleClient.query(`insert into jobdeck.cancel_requests (job_id) values ($1)`, [job.id]), /permission denied/);
      await assert.rejects(consoleClient.query(`delete from jobdeck.attempts`), /permission denied/);
    } finally {
      await consoleClient.end();
    }
    // With the optional grant, the console cancels; the worker role acknowledges and records it.
    await admin.query(`grant insert on jobdeck.cancel_requests to jd_console`);
    const c2 = new pg.Client(as('jd_console'));
    await c2.connect();
    await c2.query(`insert into jobdeck.cancel_requests (job_id, requested_by) values ($1, 'console')`, [job.id]);
    await c2.query(`select pg_notify('jobdeck:cancel', $1)`, [String(job.id)]);
    await c2.end();
    const [attempt] = await waitFor('the cancelled attempt', async () => {
      const { rows } = await admin.query<{ outcome: string }>(`select outcome from jobdeck.attempts where job_id = $1`, [job.id]);
      return rows.length ? rows : null;
    });
    assert.equal(attempt.outcome, 'cancelled');
    const { rows: ddl } = await admin.query<{ n: number }>(`select count(*)::int as n from jobdeck.migrations`);
    assert.equal(ddl[0].n, LATEST_MIGRATION, 'the DBA applied every migration; the worker added none');
  } finally {
    await child.stop();
  }
  // The lines themselves, so a failure names what failed (the whole log is long).
  const failed = child
    .stderr()
    .split('\n')
    .filter((line) => /\[jobdeck\].*failed/.test(line));
  assert.deepEqual(failed, [], 'the worker role had every privilege it needed');
});

test('the slim tarball (`npm run pack:worker`): the companion alone, no dependencies, runs a real worker from a project', async () => {
  const tarball = execFileSync('node', ['scripts/pack-worker.mjs', tmp], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
  const manifest = JSON.parse(execFileSync('tar', ['xzf', tarball, '-O', 'package/package.json'], { encoding: 'utf8' })) as {
    name: string;
    dependencies?: object;
    peerDependencies: Record<string, string>;
  };
  assert.equal(manifest.name, 'jobdeck', 'imported as jobdeck/worker, like the repository');
  assert.equal(manifest.dependencies, undefined, 'nothing of the console comes along');
  assert.deepEqual(Object.keys(manifest.peerDependencies).sort(), ['graphile-worker', 'pg']);
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
  assert.ok(
    files.every((f) => /^package\/(dist\/worker\/|docs\/companion|README\.md$|package\.json$)/.test(f)),
    files.join(' '),
  );

  // A worker project installs it (no registry needed: it has no dependencies), beside its own graphile-worker.
  const project = path.join(tmp, 'slim');
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(path.join(project, 'package.json'), '{"name":"slim-worker","private":true,"type":"module"}');
  execFileSync('npm', ['install', tarball, '--offline', '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: project,
    stdio: 'pipe',
  });
  for (const dep of ['graphile-worker', 'pg'])
    execFileSync('ln', ['-s', path.join(root, 'node_modules', dep), path.join(project, 'node_modules', dep)]);

  const slimDb = await startTestPostgres();
  try {
    const {
      rows: [job],
    } = await slimDb.pool.query<{ id: string }>(`select id from graphile_worker.add_job('slim_echo', '{"n": 1}'::json)`);
    writeFileSync(
      path.join(project, 'worker.mjs'),
      `import { run } from 'graphile-worker';
       import { JobdeckPreset } from 'jobdeck/worker';
       const runner = await run({ connectionString: process.env.DATABASE_URL, concurrency: 1, noHandleSignals: true,
         pollInterval: 200, taskList: { slim_echo: async () => {} }, preset: { extends: [JobdeckPreset], jobdeck: { flushIntervalMs: 50 } } });
       const until = Date.now() + 60_000;
       const pg = (await import('pg')).default;
       const client = new pg.Client(process.env.DATABASE_URL);
       await client.connect();
       while (Date.now() < until) {
         const { rows } = await client.query("select to_regclass('jobdeck.attempts') is not null as ok");
         if (rows[0].ok && (await client.query('select 1 from jobdeck.attempts')).rows.length) break;
         await new Promise((r) => setTimeout(r, 100));
       }
       await client.end();
       await runner.stop();`,
    );
    execFileSync(process.execPath, ['worker.mjs'], {
      cwd: project,
      env: { ...process.env, DATABASE_URL: slimDb.connectionString },
      stdio: 'pipe',
    });
    const { rows } = await slimDb.pool.query<{ job_id: string; outcome: string }>(`select job_id::text, outcome from jobdeck.attempts`);
    assert.deepEqual(rows, [{ job_id: String(job.id), outcome: 'success' }]);
  } finally {
    await slimDb.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../helpers/engine.ts';
import { startTestPostgres } from '../helpers/postgres.ts';
import { describeRetry, type EngineStatus } from '../../src/shared/model/status.ts';
import type { WorkersList } from '../../src/shared/model/workers.ts';
import { scriptArgs } from '../helpers/scripts.ts';

const root = path.resolve(import.meta.dirname, '../..');
const cli = scriptArgs('src/server/cli.ts');

/** The process group a process belongs to (field 5 of /proc/<pid>/stat, after the command's parenthesis). */
const groupOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[2]);

test('`serve --demo` prints a tokened URL, serves the API behind it, and stops cleanly on a Ctrl-C to its process group', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-cli-'));
  // Detached: the CLI leads a process group of its own, as a terminal's foreground job does.
  const child = spawn(process.execPath, [...cli, '--demo', '--data-dir', dataDir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let postgresPid = 0;
  try {
    const url = await new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 60 s:\n${out}`)), 60_000);
      child.stdout.on('data', () => {
        const match = /http:\/\/127\.0\.0\.1:\d+\/#token=\S+/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(new URL(match[0]));
        }
      });
    });
    // The embedded database's URL, for the operator's own workers to join the demo.
    assert.match(out, /your workers connect with DATABASE_URL=postgres:\/\/jobdeck:[^@\s]+@127\.0\.0\.1:\d+\/jobdeck\b/);
    const token = url.hash.replace('#token=', '');
    assert.ok(token.length >= 24, 'a random token');
    const api = (name: string, auth = token) =>
      fetch(`${url.origin}/api/${name}`, { method: 'POST', headers: { authorization: `Bearer ${auth}` }, body: '{}' });
    assert.equal((await api('app.status', '')).status, 401);
    type Status = { connection: { state: string }; runner: { state: string }; demo: { active: boolean } };
    const status = async () => ((await (await api('app.status')).json()) as { data: Status }).data;
    // Ready once the database answers: the hosted runner finishes starting just after, shown as starting meanwhile.
    const atReady = await status();
    assert.equal(atReady.connection.state, 'online');
    assert.match(atReady.runner.state, /^(starting|running)$/);
    let now = atReady;
    for (const until = Date.now() + 15_000; now.runner.state !== 'running' && Date.now() < until;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      now = await status();
    }
    assert.equal(now.runner.state, 'running');
    assert.equal(now.demo.active, true);
    const page = await fetch(`${url.origin}/`);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    // The embedded Postgres runs in a session of its own: a Ctrl-C in the terminal reaches Jobdeck alone.
    const cluster = /Embedded Postgres: (\S+)/.exec(out)![1];
    postgresPid = Number(readFileSync(path.join(cluster, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (process.platform === 'linux')
      assert.notEqual(groupOf(postgresPid), groupOf(child.pid!), 'Postgres is outside the CLI process group');
  } finally {
    // What a terminal does on Ctrl-C: SIGINT to the whole foreground process group.
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    rmSync(dataDir, { recursive: true, force: true });
    assert.equal(code, 0, `clean exit after SIGINT:\n${out.slice(-2000)}`);
  }
  // Jobdeck stopped its runner while the database was still there, then the database: no connection was cut.
  assert.match(out, /SIGINT: stopping/);
  assert.match(out, /\nstopped\n/);
  assert.doesNotMatch(out, /terminating connection|shutting down|Connection terminated|ECONNREFUSED/i);
  assert.throws(() => process.kill(postgresPid, 0), 'the embedded Postgres was stopped with Jobdeck');
});

/** Runs the CLI to its end and returns its exit code and output. */
function runToEnd(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Exactly one line on stderr, `jobdeck: …`, no stack trace. */
function assertOneLine(stderr: string, message: RegExp, what: string): void {
  assert.doesNotMatch(stderr, /\n\s+at /, `no stack trace (${what}): ${stderr}`);
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line (${what}): ${stderr}`);
  assert.match(lines[0], /^jobdeck: /);
  assert.match(lines[0], message, what);
}

test('bad command-line input and bad URLs are refused in one clear line each, exit code 2', async () => {
  for (const [args, message] of [
    [['--port', 'eighty'], /--port must be a port number/],
    [['--demo', '--database-url', 'postgres://x@h/db'], /exclude each other/],
    [['--colour'], /Unknown option '--colour'/],
    [['--database-url', 'not-a-url'], /--database-url must start with postgres:\/\//],
    [['--database-url', 'mysql://u@h/db'], /--database-url must start with postgres:\/\//],
    [['--database-url', 'postgres://u@h:notaport/db'], /--database-url: The connection string is not a valid URL/],
  ] as const) {
    const result = await runToEnd([...args]);
    assert.equal(result.status, 2, args.join(' '));
    assertOneLine(result.stderr, message, args.join(' '));
    assert.equal(result.stdout, '', 'nothing else printed');
  }
});

test('a busy port, a missing data folder or one that is a file gets one clear line, no stack trace, exit code 1', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as { port: number }).port;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-cli-'));
  const notADir = path.join(dataDir, 'file');
  writeFileSync(notADir, 'not a folder');
  const missing = path.join(dataDir, 'no-such-folder');
  try {
    for (const [args, message] of [
      [['--offline', '--port', String(port), '--data-dir', dataDir], new RegExp(`port ${port} is in use: choose another with --port`)],
      [['--port', String(port), '--data-dir', dataDir, '--no-runner'], new RegExp(`port ${port} is in use`)],
      [['--offline', '--data-dir', notADir], /cannot open the data directory .*: it is a file, not a folder/],
      [['--offline', '--data-dir', missing], /the data directory .*no-such-folder does not exist: create it first/],
    ] as const) {
      const result = await runToEnd([...args]);
      assert.equal(result.status, 1, args.join(' '));
      assertOneLine(result.stderr, message, args.join(' '));
      assert.doesNotMatch(result.stdout, /ready/, 'never said ready');
    }
    assert.equal(existsSync(missing), false, 'the missing folder was not created');
  } finally {
    busy.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** A CLI left running: its output so far, a wait for a pattern in it, the API behind its URL, and a stop. */
/** The CLI (from source, or `program`: Node's arguments for another form of it) in a process of its own. */
function startCli(args: string[], program = cli) {
  const child = spawn(process.execPath, [...program, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitForOutput = (pattern: RegExp, which: 'stdout' | 'stderr') =>
    waitFor(`${pattern} on ${which}`, () => pattern.exec(out[which]), 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`);
    });
  return {
    out,
    waitForOutput,
    /** An operation's output through the API, at the URL the CLI printed. */
    async call<T>(name: string): Promise<T> {
      const url = new URL((await waitForOutput(/http:\/\/127\.0\.0\.1:\d+\/#token=\S+/, 'stdout'))[0]);
      const token = url.hash.replace('#token=', '');
      const response = await fetch(`${url.origin}/api/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: '{}',
      });
      return ((await response.json()) as { data: T }).data;
    },
    status(): Promise<EngineStatus> {
      return this.call<EngineStatus>('app.status');
    },
    async stop(): Promise<number | null> {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A port nothing listens on: one the system gave out a moment ago, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('a second Jobdeck on a data folder in use is refused in one line (exit 1), touching nothing; the folder is free once the first stops', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-cli-'));
  const first = startCli(['--offline', '--data-dir', dataDir]);
  try {
    await first.waitForOutput(/Jobdeck is ready/, 'stdout');
    const lock = path.join(dataDir, 'jobdeck.lock');
    const held = readFileSync(lock, 'utf8');
    const second = await runToEnd(['--offline', '--data-dir', dataDir]);
    assert.equal(second.status, 1);
    assertOneLine(
      second.stderr,
      /^jobdeck: another Jobdeck \(pid \d+\) is using the data directory .*: stop it, or pass another --data-dir$/,
      'in use',
    );
    assert.doesNotMatch(second.stdout, /ready/);
    assert.equal(readFileSync(lock, 'utf8'), held, 'the first one still holds the folder');
    // The first one goes on serving.
    assert.equal((await first.status()).store.incidents.length, 0);
    assert.equal(await first.stop(), 0);
    assert.equal(existsSync(lock), false, 'a clean stop lets go of the folder');
    const third = startCli(['--offline', '--data-dir', dataDir]);
    await third.waitForOutput(/Jobdeck is ready/, 'stdout');
    assert.equal(await third.stop(), 0);
  } finally {
    await first.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('an unreachable database at start: not "ready", and "retrying in N s (attempt k)" in the terminal and through the API', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-cli-'));
  const port = await closedPort();
  const run = startCli(['--database-url', `postgres://someone:secret@127.0.0.1:${port}/orders`, '--no-runner', '--data-dir', dataDir]);
  try {
    await run.waitForOutput(/Jobdeck is up, but not connected to orders on 127\.0\.0\.1 yet/, 'stdout');
    assert.doesNotMatch(run.out.stdout, /Jobdeck is ready/);
    // The first failure, then the retries as they come: each attempt gets its line, counted.
    await run.waitForOutput(/retrying in \d+ s \(attempt 2\)/, 'stderr');
    const lines = run.out.stderr.trim().split('\n');
    assert.match(
      lines[0],
      new RegExp(
        `^jobdeck: cannot connect to orders on 127\\.0\\.0\\.1: Cannot reach Postgres at 127\\.0\\.0\\.1:${port}.*; retrying in 1 s \\(attempt 1\\)$`,
      ),
    );
    assert.match(lines[1], /; retrying in 2 s \(attempt 2\)$/);
    assert.doesNotMatch(run.out.stderr, /\n\s+at |secret/, 'no stack trace, no password');
    // What the console's top bar shows: the same retry, with when it is due.
    const status = await run.status();
    assert.equal(status.connection.state, 'error');
    assert.equal(status.connection.name, 'orders on 127.0.0.1');
    assert.match(status.connection.error ?? '', /Cannot reach Postgres/);
    const retry = status.connection.retry;
    assert.ok(retry && retry.attempt >= 2, JSON.stringify(status.connection));
    assert.ok(retry.delayMs >= 2000);
    assert.match(describeRetry(retry, Date.parse(retry.at) - retry.delayMs), /^retrying in \d+ s \(attempt \d+\)$/);
  } finally {
    const code = await run.stop();
    rmSync(dataDir, { recursive: true, force: true });
    assert.equal(code, 0, `clean exit after SIGTERM:\n${run.out.stderr}`);
  }
});

test('a database lost while running: "lost …: retrying in N s (attempt k)" in the terminal and through the API', async () => {
  const db = await startTestPostgres({ ownCluster: true });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-cli-'));
  const run = startCli(['--database-url', db.connectionString, '--no-runner', '--data-dir', dataDir]);
  try {
    await run.waitForOutput(/Jobdeck is ready/, 'stdout');
    assert.equal((await run.status()).connection.retry, null, 'no retry while online');
    await db.pool.end();
    await db.server.stop();
    await run.waitForOutput(/^jobdeck: lost .+: .+; retrying in \d+ s \(attempt 2\)$/m, 'stderr');
    const status = await run.status();
    assert.equal(status.connection.state, 'offline');
    assert.ok(status.connection.retry && status.connection.retry.attempt >= 2, JSON.stringify(status.connection));
    assert.doesNotMatch(run.out.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    await run.stop();
    await db.server.stop().catch(() => {});
    rmSync(db.tmpDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('`npm run serve` as built (scripts/serve.mjs: the server bundle in chunks): ready, with the demo worker process beside it', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-cli-'));
  // What `npm run serve` runs: it builds the server bundle when its sources changed, then runs it.
  const run = startCli(['--data-dir', dataDir], ['scripts/serve.mjs']);
  try {
    await waitFor('the ready line', () => /Jobdeck is ready/.test(run.out.stdout), 180_000).catch((error: Error) => {
      throw new Error(`${error.message}\nstdout:\n${run.out.stdout}\nstderr:\n${run.out.stderr}`);
    });
    // The bundle finds the demo's worker entry next to the engine's chunk, and that process reports.
    const reporting = await waitFor(
      'the demo worker process, reporting through the companion',
      async () => (await run.call<WorkersList>('workers.list')).workers.find((w) => w.source === 'companion' && w.liveness === 'alive'),
      30_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nstderr:\n${run.out.stderr}`);
    });
    assert.ok(reporting.pid && reporting.pid !== process.pid);
    assert.doesNotMatch(run.out.stderr, /demo worker process did not start/);
    assert.equal((await run.status()).runner.state, 'running');
  } finally {
    const code = await run.stop();
    rmSync(dataDir, { recursive: true, force: true });
    assert.equal(code, 0, `clean exit after SIGTERM:\n${run.out.stderr}`);
  }
});

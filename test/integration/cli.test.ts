import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const cli = ['--import', 'tsx', path.join(root, 'src/server/cli.ts')];

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
    const status = (await (await api('app.status')).json()) as {
      ok: boolean;
      data: { connection: { state: string }; runner: { state: string }; demo: { active: boolean } };
    };
    assert.equal(status.data.connection.state, 'online');
    assert.equal(status.data.runner.state, 'running');
    assert.equal(status.data.demo.active, true);
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

test('bad command-line input is refused with a clear message and exit code 2', () => {
  for (const [args, message] of [
    [['--port', 'eighty'], /--port must be a port number/],
    [['--demo', '--database-url', 'postgres://x@h/db'], /exclude each other/],
    [['--colour'], /Unknown option '--colour'/],
    [['--database-url', 'not-a-url'], /--database-url must start with postgres:\/\//],
    [['--database-url', 'postgres://u@h:notaport/db'], /--database-url: The connection string is not a valid URL/],
  ] as const) {
    const result = spawnSync(process.execPath, [...cli, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    assert.equal(result.status, 2, args.join(' '));
    assert.match(result.stderr, message);
  }
});

test('a busy port or an unusable data directory gets one clear line, no stack trace, exit code 1', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as { port: number }).port;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-cli-'));
  const notADir = path.join(dataDir, 'file');
  writeFileSync(notADir, 'not a folder');
  try {
    for (const [args, message] of [
      [['--offline', '--port', String(port), '--data-dir', dataDir], new RegExp(`port ${port} is in use: choose another with --port`)],
      [['--offline', '--data-dir', notADir], /cannot open the data directory/],
    ] as const) {
      const result = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [...cli, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('exit', (status) => resolve({ status, stderr }));
      });
      assert.equal(result.status, 1, args.join(' '));
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
    }
  } finally {
    busy.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/**
 * The embedded Postgres never outlives its Jobdeck for long: a Jobdeck that exits at once (a second Ctrl-C or SIGTERM)
 * asks it to stop on the way out, and one that was killed (no exit handler runs) leaves a server that the next start
 * on the same data folder recognises as orphaned and stops, instead of failing on its postmaster.pid. A server still
 * in use by a live Jobdeck is left alone.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/engine/pg/embedded.ts';
import { processIdentity } from '../../src/engine/runner/process-identity.ts';
import { scriptArgs } from '../helpers/scripts.ts';
import { waitFor } from '../helpers/engine.ts';
import { createEngine } from '../../src/engine/index.ts';

/** Running, as the console judges it: a zombie (exited, not yet collected: init may take its time) is not. */
const alive = (pid: number) => processIdentity(pid) !== null;

/** One cluster folder for the file (initdb costs seconds of CPU); each test leaves its server stopped. */
let tmpDir: string;
before(() => {
  tmpDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-orphan-'));
  chmodSync(tmpDir, 0o711);
});
after(() => rmSync(tmpDir, { recursive: true, force: true }));

/** A process holding an embedded Postgres on the file's folder: its pid, the server's pid and data folder. */
async function holder(mode: 'exit' | 'hold', folder = 'pg') {
  const child = spawn(process.execPath, [...scriptArgs('test/fixtures/embedded-holder.ts'), tmpDir, mode, folder], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const [, postmaster, dir] = await waitFor('the holder ready', () => /ready (\d+) (\S+)/.exec(out), 60_000);
  return {
    child,
    exited,
    dir,
    postmaster: Number(postmaster),
    /** Whatever the test did: the holder and its server gone (an immediate shutdown: the next start recovers). */
    async cleanup() {
      if (alive(Number(postmaster))) process.kill(Number(postmaster), 'SIGQUIT');
      child.kill('SIGKILL');
      await waitFor('the server gone', () => !alive(Number(postmaster)), 20_000);
    },
  };
}

test('a Jobdeck that exits without stopping its embedded Postgres (a second Ctrl-C) still stops it', async () => {
  const h = await holder('exit');
  try {
    await h.exited;
    await waitFor('the server to stop after its Jobdeck exited', () => !alive(h.postmaster), 20_000);
  } finally {
    await h.cleanup();
  }
});

test('a Jobdeck killed with SIGKILL: the next start stops the server it left running, says so, and starts', async () => {
  const h = await holder('hold');
  try {
    h.child.kill('SIGKILL');
    await h.exited;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(alive(h.postmaster), 'no exit handler ran: the server is orphaned');
    const notices: string[] = [];
    const server = await startEmbeddedPostgres({ dir: path.join(tmpDir, 'pg'), ownedRoot: tmpDir, onNotice: (n) => notices.push(n) });
    try {
      assert.equal(alive(h.postmaster), false, 'the orphan was stopped');
      assert.equal(notices.length, 1);
      assert.match(
        notices[0],
        new RegExp(`stopped the embedded Postgres \\(pid ${h.postmaster}\\) left running on .* by a Jobdeck that was killed`),
      );
      const client = new pg.Client({ connectionString: server.connectionString });
      await client.connect();
      assert.equal((await client.query<{ n: number }>('select 1 as n')).rows[0].n, 1);
      await client.end();
    } finally {
      await server.stop();
    }
  } finally {
    await h.cleanup();
  }
});

test('a server in use by a live Jobdeck is left alone: the second start is refused, naming the likely cause', async () => {
  const h = await holder('hold');
  try {
    await assert.rejects(
      startEmbeddedPostgres({ dir: path.join(tmpDir, 'pg'), ownedRoot: tmpDir }),
      /is another Jobdeck using this data directory/,
    );
    assert.ok(alive(h.postmaster), 'still running for its Jobdeck');
  } finally {
    await h.cleanup();
  }
});

test('a console started while another holds its data folder shows why, keeps retrying, and connects once it is free', async () => {
  // The engine's own cluster folder (`postgres` under its data folder), held as a Jobdeck still stopping holds it.
  const h = await holder('hold', 'postgres');
  const engine = createEngine({ dataDir: tmpDir, mode: 'web', log: () => {} });
  try {
    await assert.rejects(engine.start({ runner: false, demo: false }), /is another Jobdeck using this data directory/);
    const refused = engine.status().connection;
    assert.match(refused.error ?? '', /is another Jobdeck using this data directory/, 'the console says why');
    assert.ok(refused.retry, 'and that it tries again');
    await h.cleanup();
    await waitFor('the console connected once the folder was free', () => engine.status().connection.state === 'online', 40_000);
    assert.equal(engine.status().connection.error, null);
  } finally {
    await engine.stop(5_000);
    await h.cleanup();
  }
});

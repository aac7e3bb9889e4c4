import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
  renameSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createEngine, type Engine } from '../../src/engine/index.ts';
import { DataFolderInUseError } from '../../src/engine/store/folder-lock.ts';
import { processIdentity } from '../../src/engine/runner/process-identity.ts';
import type { StoreIncident } from '../../src/shared/model/status.ts';

// Jobdeck's own SQLite file, damaged, deleted or emptied while Jobdeck is stopped and while it runs: never a stack
// trace, never a silent fresh start. The engine runs offline: no Postgres is needed to keep or lose this file.

const RULE = { id: 'gpu', pattern: 'CUDA out of memory', type: 'gpu_oom', label: 'GPU OOM' };

interface Console {
  engine: Engine;
  logs: string[];
  stop(): Promise<void>;
}

async function open(dataDir: string): Promise<Console> {
  const logs: string[] = [];
  // The file is looked at when the test says (parts.checkStore), not on a timer.
  const engine = createEngine({ dataDir, mode: 'web', log: (level, m) => logs.push(`${level}: ${m}`), storeCheckMs: 3_600_000 });
  await engine.start({ offline: true });
  let stopped = false;
  return {
    engine,
    logs,
    async stop() {
      if (stopped) return;
      stopped = true;
      await engine.stop(5_000);
    },
  };
}

function dataFolder(t: TestContext): string {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-store-'));
  t.after(() => rmSync(parent, { recursive: true, force: true }));
  return path.join(parent, 'data');
}

async function call(engine: Engine, name: string, input: unknown = {}): Promise<unknown> {
  const result = await engine.call(name, input);
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
  return result.data;
}

async function ruleIds(engine: Engine): Promise<string[]> {
  const state = (await call(engine, 'history.rules.get')) as { rules: { id: string }[] };
  return state.rules.map((r) => r.id);
}

const incidents = (engine: Engine): StoreIncident[] => engine.status().store.incidents;

/** A console that saved one rule, then stopped: the file holds something worth keeping. */
async function withSavedRule(t: TestContext): Promise<{ dataDir: string; file: string }> {
  const dataDir = dataFolder(t);
  const c = await open(dataDir);
  await call(c.engine, 'history.rules.set', { rules: [RULE] });
  await c.stop();
  return { dataDir, file: path.join(dataDir, 'jobdeck.sqlite') };
}

test('a new data folder is readable by its owner only (folder 0700, file 0600); no incident', async (t) => {
  const dataDir = dataFolder(t);
  const c = await open(dataDir);
  t.after(() => c.stop());
  assert.equal(statSync(dataDir).mode & 0o777, 0o700);
  const file = path.join(dataDir, 'jobdeck.sqlite');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(incidents(c.engine), []);
  assert.equal(c.engine.status().store.file, file);
  // A sound file is not touched by the check while running either.
  await c.engine.parts.checkStore();
  assert.deepEqual(incidents(c.engine), []);
});

for (const [damage, harm] of [
  ['with garbage over its header', (file: string) => writeFileSync(file, Buffer.alloc(4096, 0x5a), { flag: 'r+' })],
  ['cut in half', (file: string) => truncateSync(file, Math.floor(statSync(file).size / 2) + 1)],
  ['that is no database at all', (file: string) => writeFileSync(file, 'this is a text file, not SQLite\n'.repeat(200))],
] as const) {
  test(`a file ${damage} at start: moved aside and named, a fresh one started, the console up`, async (t) => {
    const { dataDir, file } = await withSavedRule(t);
    const before = readFileSync(file).length;
    harm(file);
    const c = await open(dataDir);
    t.after(() => c.stop());
    const [incident, ...more] = incidents(c.engine);
    assert.deepEqual(more, []);
    assert.equal(incident.kind, 'damaged');
    assert.ok(incident.movedTo && existsSync(incident.movedTo), `the damaged file is kept: ${incident.movedTo}`);
    assert.equal(path.dirname(incident.movedTo), dataDir);
    assert.match(path.basename(incident.movedTo), /^jobdeck\.sqlite\.damaged-/);
    assert.match(incident.detail, /so it was moved aside and a fresh one was started/);
    assert.match(incident.lost, /saved connections, job history, the audit log/);
    assert.ok(before > 0);
    // The console works on the fresh file, which no longer has the rule.
    assert.deepEqual(await ruleIds(c.engine), []);
    await call(c.engine, 'history.rules.set', { rules: [RULE] });
    assert.deepEqual(await ruleIds(c.engine), ['gpu']);
    assert.ok(
      c.logs.some((l) => l.startsWith('error: store: SQLite could not use it')),
      c.logs.join('\n'),
    );
  });
}

/** Garbage over the file's second page (a table's b-tree page, which quick_check reads), its size unchanged. */
function overwriteSecondPage(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096);
  } finally {
    closeSync(fd);
  }
}

test('a clean stop is remembered: the next start trusts the file unread; a change since, or a crash, has it checked', async (t) => {
  const { dataDir, file } = await withSavedRule(t);
  const stamp = `${file}.closed`;
  assert.ok(existsSync(stamp), 'a clean stop stamps the file');
  const skipped = /^debug: store: .* opened \(quick_check skipped: closed cleanly, unchanged since\)$/;

  const a = await open(dataDir);
  t.after(() => a.stop());
  assert.ok(
    a.logs.some((l) => skipped.test(l)),
    a.logs.join('\n'),
  );
  assert.ok(!existsSync(stamp), 'the stamp is gone while the file is open: a crash leaves none');
  assert.deepEqual(await ruleIds(a.engine), ['gpu']);
  await a.stop();
  assert.ok(existsSync(stamp));

  // Written to by something else since (same size, a newer mtime): read through, and the damage found.
  overwriteSecondPage(file);
  const b = await open(dataDir);
  t.after(() => b.stop());
  assert.ok(!b.logs.some((l) => skipped.test(l)), b.logs.join('\n'));
  assert.deepEqual(
    incidents(b.engine).map((i) => i.kind),
    ['damaged'],
  );
  await b.stop();

  // A crash leaves no stamp: the same damage is found even with the file's times put back as they were.
  const crashed = await withSavedRule(t);
  rmSync(`${crashed.file}.closed`);
  const before = statSync(crashed.file);
  overwriteSecondPage(crashed.file);
  utimesSync(crashed.file, before.atime, before.mtime);
  const c = await open(crashed.dataDir);
  t.after(() => c.stop());
  assert.deepEqual(
    incidents(c.engine).map((i) => i.kind),
    ['damaged'],
  );
});

test("the data folder is one Jobdeck's: a live holder in another process is refused, a lock left by a gone one taken over", async (t) => {
  const dataDir = dataFolder(t);
  mkdirSync(dataDir, { recursive: true });
  const lock = path.join(dataDir, 'jobdeck.lock');
  // Another process, alive, holds it.
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  t.after(() => other.kill('SIGKILL'));
  await new Promise((resolve) => other.once('spawn', resolve));
  writeFileSync(lock, JSON.stringify({ pid: other.pid, identity: processIdentity(other.pid!) }));
  assert.throws(
    () => createEngine({ dataDir, mode: 'web', log: () => {} }),
    (error: Error) =>
      error instanceof DataFolderInUseError &&
      error.message === `another Jobdeck (pid ${other.pid}) is using the data directory ${dataDir}`,
  );
  assert.equal(existsSync(path.join(dataDir, 'jobdeck.sqlite')), false, 'nothing in the folder was touched');
  // Once it is gone (killed: no stop of its own), its lock is stale and the next start takes the folder over.
  other.kill('SIGKILL');
  await new Promise((resolve) => other.once('exit', resolve));
  const c = await open(dataDir);
  t.after(() => c.stop());
  assert.equal((JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid, process.pid);
  assert.deepEqual(incidents(c.engine), []);
  await c.stop();
  assert.equal(existsSync(lock), false);
});

test('deleted or emptied while stopped: said so, not a silent fresh start', async (t) => {
  const deleted = await withSavedRule(t);
  unlinkSync(deleted.file);
  const a = await open(deleted.dataDir);
  t.after(() => a.stop());
  assert.deepEqual(
    incidents(a.engine).map((i) => [i.kind, i.movedTo]),
    [['missing', null]],
  );
  assert.match(incidents(a.engine)[0].lost, /recorded before \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  await a.stop();

  const emptied = await withSavedRule(t);
  truncateSync(emptied.file, 0);
  const b = await open(emptied.dataDir);
  t.after(() => b.stop());
  assert.deepEqual(
    incidents(b.engine).map((i) => i.kind),
    ['emptied'],
  );
  assert.deepEqual(await ruleIds(b.engine), []);
  await b.stop();
  // The next start after that is a normal one.
  const c = await open(emptied.dataDir);
  t.after(() => c.stop());
  assert.deepEqual(incidents(c.engine), []);
});

test('deleted while running: the open copy is saved at once and put back at stop; nothing is lost', async (t) => {
  const { dataDir, file } = await withSavedRule(t);
  const c = await open(dataDir);
  t.after(() => c.stop());
  unlinkSync(file);
  await c.engine.parts.checkStore();
  const [incident] = incidents(c.engine);
  assert.equal(incident.kind, 'deleted_while_running');
  assert.equal(incident.movedTo, `${file}.restored`);
  assert.ok(existsSync(`${file}.restored`), 'the open copy is saved at once');
  assert.equal(incident.lost, 'nothing, if Jobdeck stops cleanly');
  // Jobdeck goes on: what it records after the deletion is kept too.
  await call(c.engine, 'history.rules.set', { rules: [RULE, { ...RULE, id: 'gpu2', pattern: 'CUBLAS_STATUS_ALLOC_FAILED' }] });
  await c.engine.parts.checkStore();
  assert.equal(incidents(c.engine).length, 1, 'one incident, not one per check');
  await c.stop();
  assert.ok(existsSync(file) && !existsSync(`${file}.restored`), 'the copy is back in place');

  const again = await open(dataDir);
  t.after(() => again.stop());
  assert.deepEqual(incidents(again.engine), []);
  assert.deepEqual(await ruleIds(again.engine), ['gpu', 'gpu2']);
});

test('a crash after the file was deleted while running: the next start puts the saved copy back', async (t) => {
  const { dataDir, file } = await withSavedRule(t);
  // What a crash leaves: the saved copy, and no file (the process that held it open is gone).
  renameSync(file, `${file}.restored`);
  const c = await open(dataDir);
  t.after(() => c.stop());
  assert.deepEqual(
    incidents(c.engine).map((i) => i.kind),
    ['restored'],
  );
  assert.deepEqual(await ruleIds(c.engine), ['gpu']);
  assert.ok(!existsSync(`${file}.restored`));
});

test('emptied or overwritten while running: the console says to restart, and the restart moves it aside', async (t) => {
  for (const harm of [
    (file: string) => truncateSync(file, 0),
    (file: string) => writeFileSync(file, Buffer.alloc(100, 0x41), { flag: 'r+' }),
  ]) {
    const { dataDir, file } = await withSavedRule(t);
    const c = await open(dataDir);
    harm(file);
    await c.engine.parts.checkStore();
    const [incident] = incidents(c.engine);
    assert.equal(incident?.kind, 'damaged_while_running', JSON.stringify(incidents(c.engine)));
    assert.match(incident.detail, /Restart Jobdeck: it moves the damaged file aside/);
    await c.stop();
    const next = await open(dataDir);
    const kinds = incidents(next.engine).map((i) => i.kind);
    // Emptied: a fresh file (said so); overwritten: moved aside. Never a silent start, never a crash.
    assert.equal(kinds.length, 1, kinds.join());
    assert.ok(['emptied', 'damaged'].includes(kinds[0]), kinds[0]);
    await next.stop();
    assert.ok(readdirSync(dataDir).includes('jobdeck.sqlite'));
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/engine/store/db.ts';
import { StoreMigrationError } from '../../src/engine/index.ts';
import {
  describeStartupFailure,
  startupFailureAction,
  startupFailureQuery,
  type StartupFailurePage,
} from '../../src/main/startup-failure.ts';

const FIRST = { id: 1, name: 'first', sql: 'create table first (x integer)' };
const SECOND = { id: 2, name: 'second', sql: 'create table second (x integer)' };

/** A fresh data folder, removed after `run`. */
function withDataDir(run: (dataDir: string) => void): void {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-startup-'));
  try {
    run(dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What opening `file` with `migrations` throws. */
function openError(file: string, migrations: (typeof FIRST)[]): unknown {
  try {
    openStore(file, { migrations }).close();
  } catch (error) {
    return error;
  }
  assert.fail(`opening ${file} should have failed`);
}

test('a file written by a newer Jobdeck names the file, says so, and offers to show it', () => {
  withDataDir((dataDir) => {
    const file = path.join(dataDir, 'jobdeck.sqlite');
    openStore(file, { migrations: [FIRST, SECOND] }).close();
    const error = openError(file, [FIRST]);
    assert.ok(error instanceof StoreMigrationError);
    assert.equal(error.kind, 'newer');
    assert.equal(error.file, file);

    const failure = describeStartupFailure(error, { dataDir, phase: 'create' });
    assert.match(failure.title, /newer Jobdeck/);
    assert.ok(failure.details.includes(`File: ${file}`), failure.details.join('\n'));
    assert.match(failure.details.join(' '), /newer version/);
    assert.match(failure.details.join(' '), /move the file aside/);
    assert.equal(failure.reveal, file);
    assert.match(failure.error, /migration 2/);
    // The store let go of the file: it can be moved aside while the failure is shown, and opened again after.
    openStore(file, { migrations: [FIRST, SECOND] }).close();
  });
});

test('a migration edited after it ran is told apart from a newer file', () => {
  withDataDir((dataDir) => {
    const file = path.join(dataDir, 'jobdeck.sqlite');
    openStore(file, { migrations: [FIRST] }).close();
    const error = openError(file, [{ ...FIRST, sql: 'create table first (x integer, y text)' }]);
    assert.ok(error instanceof StoreMigrationError);
    assert.equal(error.kind, 'edited');
    const failure = describeStartupFailure(error, { dataDir, phase: 'create' });
    assert.match(failure.title, /does not match/);
    assert.ok(failure.details.includes(`File: ${file}`));
    assert.equal(failure.reveal, file);
  });
});

test('a SQLite module built for Node rather than Electron says how to rebuild it', () => {
  const error = new Error(
    "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 139.",
  );
  const failure = describeStartupFailure(error, { dataDir: '/data', phase: 'create' });
  assert.match(failure.title, /SQLite module/);
  assert.match(failure.details.join(' '), /npm start/);
  assert.equal(failure.reveal, null);
});

test('any other failure names the data folder and the phase, and keeps the message for a bug report', () => {
  const create = describeStartupFailure(new Error('EACCES: permission denied'), { dataDir: '/data', phase: 'create' });
  assert.equal(create.title, 'Jobdeck could not start');
  assert.match(create.summary, /local data/);
  assert.ok(create.details.includes('Data folder: /data'));
  assert.match(create.error, /EACCES: permission denied/);
  assert.equal(create.reveal, '/data');

  const start = describeStartupFailure('initdb failed', { dataDir: '/data', phase: 'start' });
  assert.match(start.summary, /Starting the engine/);
  assert.equal(start.error, 'initdb failed');
  assert.ok(describeStartupFailure(new Error('x'.repeat(10_000)), { dataDir: '/d', phase: 'start' }).error.length <= 4001);
});

test('the page gets the text as JSON and whether it may reveal, never the path to reveal', () => {
  const failure = describeStartupFailure(new StoreMigrationError('/data/jobdeck.sqlite', 'newer', 'newer <b>file</b>'), {
    dataDir: '/data',
    phase: 'create',
  });
  const query = startupFailureQuery(failure);
  assert.deepEqual(Object.keys(query), ['failure']);
  const page = JSON.parse(query.failure) as StartupFailurePage;
  assert.equal(page.canReveal, true);
  assert.equal('reveal' in page, false);
  assert.deepEqual(page.details, failure.details);
  assert.match(page.error, /newer <b>file<\/b>/, 'sent as is: the page sets it as text');
  assert.equal((JSON.parse(startupFailureQuery({ ...failure, reveal: null }).failure) as StartupFailurePage).canReveal, false);
});

test("the page's links act only as the page's own #reveal and #quit", () => {
  const page = 'app://jobdeck/startup-failure/index.html?failure=%7B%7D';
  assert.equal(startupFailureAction(`${page}#reveal`, page), 'reveal');
  assert.equal(startupFailureAction(`${page}#quit`, `${page}#quit`), 'quit');
  assert.equal(startupFailureAction(`${page}#other`, page), null);
  assert.equal(startupFailureAction('file:///etc/passwd#reveal', page), null);
  assert.equal(startupFailureAction('https://example.com/#quit', page), null);
});

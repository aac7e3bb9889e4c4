import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startTestPostgres, withDatabase, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

let db: TestPostgres;
let te: TestEngine;
const port = () => Number(new URL(db.connectionString).port);
// Roles are cluster-wide: names of this database's own, so files sharing the cluster never collide.
let watcher: string;
let blind: string;
/** The test database as `role`. */
const as = (role: string, password: string) => withDatabase(db.connectionString, db.database, { user: role, password });

before(async () => {
  db = await startTestPostgres();
  te = await startTestEngine({ databaseUrl: db.connectionString, runner: false });
  // A role that may read graphile-worker's tables but not change them.
  // BYPASSRLS: graphile-worker's tables have row-level security with no policies.
  watcher = db.roleName('watcher');
  blind = db.roleName('blind');
  await db.pool.query(`create role ${watcher} login bypassrls password 'watch-pw';
    grant usage on schema graphile_worker to ${watcher};
    grant select on all tables in schema graphile_worker to ${watcher};
    create role ${blind} login password 'blind-pw';
    grant usage on schema graphile_worker to ${blind};
    grant select on all tables in schema graphile_worker to ${blind}`);
});
after(async () => {
  await te?.close();
  await db?.close();
});

const failure = async (name: Parameters<TestEngine['call']>[0], input: unknown) => {
  const result = await te.engine.call(name, input);
  assert.equal(result.ok, false, `${name} should fail`);
  return (result as { ok: false; error: { code: string; message: string } }).error;
};

describe('testing a connection gives a clear answer and changes nothing', () => {
  test('a malformed connection string', async () => {
    const e = await failure('connections.test', { target: { url: 'mysql://x' } });
    assert.equal(e.code, 'invalid_input');
    assert.match(e.message, /postgres:\/\//);
  });
  test('a host that is no host name: refused before anything is tried', async () => {
    for (const host of ['%zz', 'a b', 'db/1']) {
      const e = await failure('connections.test', { target: { host, database: 'x', user: 'u' } });
      assert.equal(e.code, 'invalid_input', host);
      assert.match(e.message, /must be a host name, an IP address or a socket directory/);
    }
    const e = await failure('connections.test', { target: { url: 'postgres://u@%zz:5432/db' } });
    assert.equal(e.code, 'invalid_input');
  });
  test('SSL files that cannot be read: refused as bad input, not an internal error', async () => {
    const e = await failure('connections.test', { target: { url: 'postgres://u:p@127.0.0.1:1/db?sslrootcert=/nonexistent' } });
    assert.equal(e.code, 'invalid_input');
    assert.match(e.message, /sslrootcert names \/nonexistent, which cannot be read \(no such file\)/);
    const dir = await failure('connections.save', {
      name: 'key is a folder',
      target: { host: '127.0.0.1', database: 'db', user: 'u', params: 'sslkey=/etc' },
      savePassword: false,
    });
    assert.equal(dir.code, 'invalid_input');
    assert.match(dir.message, /sslkey names \/etc, which is not a file/);
    assert.equal(
      (await te.call('connections.list')).some((c) => c.name === 'key is a folder'),
      false,
      'nothing saved',
    );
  });
  test('nothing listening on the port', async () => {
    const e = await failure('connections.test', { target: { url: 'postgres://u:p@127.0.0.1:1/db' } });
    assert.equal(e.code, 'database_error');
    assert.match(e.message, /connection refused/);
  });
  test('a wrong password', async () => {
    const e = await failure('connections.test', { target: { url: as(watcher, 'nope') } });
    assert.match(e.message, new RegExp(`Password authentication failed for user "${watcher}"`));
  });
  test('a database that does not exist', async () => {
    const e = await failure('connections.test', {
      target: { host: '127.0.0.1', port: port(), database: 'nope', user: 'jobdeck', password: 'jobdeck-local' },
    });
    assert.match(e.message, /Database "nope" does not exist/);
  });
  test('a database without graphile-worker', async () => {
    const r = await te.call('connections.test', { target: { url: db.emptyConnectionString } });
    assert.equal(r.schema.installed, false);
    assert.equal(r.schema.version, null);
  });
  test('a read-only role', async () => {
    const r = await te.call('connections.test', { target: { url: as(watcher, 'watch-pw') } });
    assert.equal(r.schema.installed, true);
    assert.match(r.readOnlyReason ?? '', new RegExp(`${watcher} lacks UPDATE/DELETE`));
  });
  test('a role that row-level security would show no jobs', async () => {
    const e = await failure('connections.test', { target: { url: as(blind, 'blind-pw') } });
    assert.equal(e.code, 'database_error');
    assert.match(e.message, /would see no jobs: graphile-worker's tables use row-level security/);
  });
  test('a good one', async () => {
    const r = await te.call('connections.test', { target: { url: db.connectionString } });
    assert.equal(r.readOnlyReason, null);
    assert.ok(r.schema.version! >= 19);
    assert.match(r.serverVersion, /^\d+/);
  });
});

describe('saved connections', () => {
  test('web mode refuses to store a password, and never writes it to disk', async () => {
    const e = await failure('connections.save', { name: 'ro', target: { url: as(watcher, 'watch-pw') } });
    assert.equal(e.code, 'invalid_input');
    assert.match(e.message, /never writes passwords to disk/);
    const saved = await te.call('connections.save', {
      name: 'ro',
      target: { url: as(watcher, 'watch-pw') },
      savePassword: false,
    });
    assert.equal(saved.hasSavedPassword, false);
    assert.equal(saved.user, watcher);
    for (const file of ['jobdeck.sqlite', 'jobdeck.sqlite-wal']) {
      const bytes = readFileSync(path.join(te.dataDir, file), { flag: 'r' }).toString('latin1');
      assert.ok(!bytes.includes('watch-pw'), `${file} must not contain the password`);
    }
  });

  test('a password given as a parameter is the password: never in the saved parameters, on disk or in the list', async () => {
    const url = new URL(as(watcher, 'x'));
    url.password = '';
    url.search = 'sslmode=disable&password=param-pw-7731';
    const saved = await te.call('connections.save', { name: 'by param', target: { url: url.href }, savePassword: false });
    assert.equal(saved.params, 'sslmode=disable');
    assert.doesNotMatch(JSON.stringify(await te.call('connections.list')), /param-pw-7731/);
    for (const file of ['jobdeck.sqlite', 'jobdeck.sqlite-wal']) {
      const bytes = readFileSync(path.join(te.dataDir, file), { flag: 'r' }).toString('latin1');
      assert.ok(!bytes.includes('param-pw-7731'), `${file} must not contain the password`);
    }
    // An sslpassword could only be kept in clear: refused, nothing saved.
    const before = (await te.call('connections.list')).length;
    const e = await failure('connections.save', {
      name: 'ssl key',
      target: { host: '127.0.0.1', database: db.database, user: watcher, params: 'sslpassword=key-pw' },
      savePassword: false,
    });
    assert.deepEqual([e.code, (await te.call('connections.list')).length], ['invalid_input', before]);
    await te.call('connections.remove', { id: saved.id });
  });

  test('a read-only role connects watch-only: write operations are refused by the engine', async () => {
    const ro = await te.call('connections.save', {
      name: 'watch-only role',
      target: { url: as(watcher, 'watch-pw') },
      savePassword: false,
    });
    const status = await te.call('connections.activate', { id: ro.id });
    assert.equal(status.connection.state, 'online');
    assert.match(status.connection.readOnlyReason ?? '', /lacks UPDATE/);
    const e = await failure('schema.install', { confirm: true });
    assert.equal(e.code, 'read_only');
    // The runner does not start on a role that cannot take and finish jobs, and says why.
    assert.match(status.runner.unavailableReason ?? '', /^The runner cannot take jobs here: Role \S+ lacks UPDATE\/DELETE/);
    const refused = await failure('runner.start', {});
    assert.deepEqual([refused.code, refused.message], ['unavailable', status.runner.unavailableReason]);
  });

  test('a role whose transactions are read-only by default: watch-only, and no runner', async () => {
    const name = db.roleName('rotx');
    await db.pool.query(`create role ${name} login bypassrls password 'rotx-pw' in role jobdeck;
      alter role ${name} set default_transaction_read_only = on`);
    const profile = await te.call('connections.save', {
      name: 'read-only transactions',
      target: { url: as(name, 'rotx-pw') },
      savePassword: false,
    });
    const status = await te.call('connections.activate', { id: profile.id });
    assert.equal(status.connection.state, 'online');
    assert.match(status.connection.readOnlyReason ?? '', /default_transaction_read_only = on/);
    assert.match(status.runner.unavailableReason ?? '', /^The runner cannot take jobs here: Transactions are read-only/);
    assert.equal((await failure('runner.start', {})).code, 'unavailable');
  });

  test('a database without graphile-worker: said plainly, installed only when asked', async () => {
    // A database of this test's own: it installs the schema, which the other tests' empty database must not get.
    const url = await db.createDatabase();
    const empty = await te.call('connections.save', { name: 'empty', target: { url }, savePassword: false });
    const status = await te.call('connections.activate', { id: empty.id });
    assert.equal(status.connection.schema?.installed, false);
    assert.equal((await failure('overview.depth', { minutes: 'x' })).code, 'invalid_input');
    const client = new pg.Client(url);
    await client.connect();
    const before = await client.query<{ n: number }>(`select count(*)::int as n from pg_namespace where nspname = 'graphile_worker'`);
    assert.equal(before.rows[0].n, 0, 'nothing is installed silently');
    assert.equal((await failure('schema.install', {})).code, 'invalid_input', 'installing needs an explicit confirm');
    const schema = await te.call('schema.install', { confirm: true });
    assert.equal(schema.installed, true);
    const after = await client.query<{ n: number }>(`select count(*)::int as n from graphile_worker.migrations`);
    assert.ok(after.rows[0].n >= 19);
    await client.end();
  });

  test('a database migrated by a newer graphile-worker is watch-only', async () => {
    // Simulates a future graphile-worker in a scratch database of the test cluster.
    const futureUrl = await db.createDatabase();
    const saved = await te.call('connections.save', { name: 'future', target: { url: futureUrl }, savePassword: false });
    await te.call('connections.activate', { id: saved.id });
    await te.call('schema.install', { confirm: true });
    const client = new pg.Client(futureUrl);
    await client.connect();
    await client.query(`insert into graphile_worker.migrations (id, ts, breaking) values (99, now(), false)`);
    await client.end();
    const status = await te.call('connections.activate', { id: saved.id });
    assert.equal(status.connection.schema?.tooNew, true);
    assert.match(status.connection.readOnlyReason ?? '', /Watch-only/);
    assert.equal((await failure('schema.install', { confirm: true })).code, 'read_only');
  });

  test('switching to an unreachable connection keeps the current one, its runner and its jobs, and says so', async () => {
    const good = (await te.call('connections.list')).find((c) => c.name.startsWith(`${db.database} on`))!;
    assert.equal((await te.call('connections.activate', { id: good.id })).connection.state, 'online');
    const bad = await te.call('connections.save', { name: 'gone', target: { url: 'postgres://u:p@127.0.0.1:1/db' }, savePassword: false });
    const e = await failure('connections.activate', { id: bad.id });
    assert.match(e.message, /connection refused/);
    assert.match(e.message, new RegExp(`Still connected to ${good.name}: nothing was changed`));
    const status = await te.call('app.status');
    assert.equal(status.connection.state, 'online');
    assert.equal(status.connection.name, good.name);
    // The session still counts: its figures come through as before.
    assert.equal(typeof (await te.call('jobs.count', { filter: {} })).value, 'number');
  });
});

test('removing a saved connection forgets it; an unknown id or the embedded one is refused and changes nothing', async () => {
  const saved = await te.call('connections.save', {
    name: 'to remove',
    target: { host: '127.0.0.1', port: port(), database: db.database, user: 'someone' },
    savePassword: false,
  });
  const ids = async () => (await te.call('connections.list', {})).map((c) => c.id);
  assert.ok((await ids()).includes(saved.id));
  assert.deepEqual(await te.call('connections.remove', { id: saved.id }), { removed: true });
  const before = await ids();
  assert.ok(!before.includes(saved.id));
  const unknown = await failure('connections.remove', { id: saved.id });
  assert.equal(unknown.code, 'not_found');
  assert.match(unknown.message, /No saved connection/);
  assert.equal((await failure('connections.remove', { id: 'embedded' })).code, 'invalid_input');
  assert.deepEqual(await ids(), before);
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startWebServer, type WebServer } from '../../src/server/web-server.ts';
import { callOp, fingerprint, raw, STATIC_DIR, type RawResponse } from './harness.ts';

// What reaches the server before any operation sees it (paths, Host, token, method, body), and the values each
// operation's schema cannot judge alone (ids past the bigint range, NUL bytes and deep nesting inside a payload):
// a 4xx that says why, never a 500 or 502, and nothing changed.

const t = {} as { db: TestPostgres; te: TestEngine };
let server: WebServer;
let jobId: string;

before(async () => {
  t.db = await startTestPostgres();
  t.te = await startTestEngine({ databaseUrl: t.db.connectionString, runner: false });
  await t.db.pool.query('create table public.customer_notes (id serial primary key, body text not null)');
  await t.db.pool.query(`insert into public.customer_notes (body) values ('keep me')`);
  const { rows } = await t.db.pool.query<{ id: string }>(`select id from graphile_worker.add_job('hostile_task', '{}'::json)`);
  jobId = rows[0].id;
  server = await startWebServer({ engine: t.te.engine, staticDir: STATIC_DIR });
});
after(async () => {
  await server?.close();
  await t.te?.close();
  await t.db?.close();
});

interface Hostile {
  what: string;
  send: () => Promise<RawResponse>;
  status: number;
  /** In the answer's text. */
  says: RegExp;
}

const bigPayload = (levels: number) => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};

const CASES: Hostile[] = [
  {
    what: 'a path that is not valid percent-encoding',
    send: () => raw(server, { method: 'GET', path: '/%E0%A4%A' }),
    status: 400,
    says: /not valid percent-encoded/,
  },
  {
    what: 'a lone percent sign in the path',
    send: () => raw(server, { method: 'GET', path: '/assets/%' }),
    status: 400,
    says: /not valid percent-encoded/,
  },
  {
    what: 'a path that climbs out of the app',
    send: () => raw(server, { method: 'GET', path: '/../../../../etc/passwd' }),
    status: 200,
    says: /<!doctype html>/i,
  },
  {
    what: 'a Host naming another site (DNS rebinding)',
    send: () => raw(server, { method: 'GET', path: '/', headers: { host: 'evil.example' } }),
    status: 401,
    says: /Unexpected Host/,
  },
  {
    what: 'a Host with the right name and the wrong port',
    send: () => raw(server, { path: '/api/app.status', headers: { host: '127.0.0.1:1' } }),
    status: 401,
    says: /Unexpected Host/,
  },
  {
    what: 'no token',
    send: () => raw(server, { path: '/api/app.status', headers: { authorization: '' } }),
    status: 401,
    says: /access token/,
  },
  {
    what: 'a wrong token of the same length',
    send: () => raw(server, { path: '/api/app.status', headers: { authorization: `Bearer ${'x'.repeat(server.token.length)}` } }),
    status: 401,
    says: /access token/,
  },
  { what: 'a GET on an operation', send: () => raw(server, { method: 'GET', path: '/api/jobs.list' }), status: 405, says: /Use POST/ },
  { what: 'an unknown operation', send: () => callOp(server, 'jobs.drop', {}), status: 404, says: /Unknown operation/ },
  {
    what: 'an operation name with a path in it',
    send: () => callOp(server, 'app.status%2F..%2Fjobs.retry', {}),
    status: 404,
    says: /Unknown operation/,
  },
  { what: 'a body that is not JSON', send: () => callOp(server, 'jobs.list', "{ filter: 'x' ", true), status: 400, says: /not valid JSON/ },
  {
    what: 'a body larger than 1 MiB',
    send: () => callOp(server, 'jobs.list', `{"x":"${'a'.repeat(1_100_000)}"}`, true),
    status: 413,
    says: /larger than 1 MiB/,
  },
  {
    what: 'a body larger than 1 MiB sent in chunks (no length declared)',
    send: () =>
      raw(server, {
        path: '/api/jobs.list',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        body: `{"x":"${'a'.repeat(1_100_000)}"}`,
      }),
    status: 413,
    says: /larger than 1 MiB/,
  },
  {
    what: 'a JSON body nested 100,000 deep',
    send: () => callOp(server, 'jobs.list', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, true),
    status: 400,
    says: /./,
  },
  {
    what: 'a job id past the bigint range',
    send: () => callOp(server, 'jobs.get', { id: '9223372036854775808' }),
    status: 400,
    says: /at most 9223372036854775807/,
  },
  {
    what: 'a job id of twenty digits',
    send: () => callOp(server, 'jobs.get', { id: '12345678901234567890' }),
    status: 400,
    says: /a job id is at most 9223372036854775807 \(a bigint\)/,
  },
  { what: 'a job id with letters', send: () => callOp(server, 'jobs.get', { id: '12abc' }), status: 400, says: /positive integer/ },
  { what: 'a negative job id', send: () => callOp(server, 'jobs.get', { id: '-1' }), status: 400, says: /positive integer/ },
  {
    what: 'a retry of an id past the bigint range',
    send: () => callOp(server, 'jobs.retry', { target: { ids: [jobId, '99999999999999999999'] } }),
    status: 400,
    says: /job id/,
  },
  {
    what: 'a cancel of 50,001 ids',
    send: () => callOp(server, 'jobs.cancel', { target: { ids: Array.from({ length: 50_001 }, (_, i) => String(i + 1)) } }),
    status: 400,
    says: /ids/,
  },
  {
    what: 'a NUL byte in a new job payload',
    send: () => callOp(server, 'jobs.add', { task: 'hostile_task', payload: { text: 'a\u0000b' } }),
    status: 400,
    says: /NUL/,
  },
  {
    what: 'a NUL byte in a task name',
    send: () => callOp(server, 'jobs.add', { task: 'x\u0000y', payload: {} }),
    status: 400,
    says: /NUL/,
  },
  {
    what: 'a payload nested 200 deep',
    send: () => callOp(server, 'jobs.add', { task: 'hostile_task', payload: bigPayload(200) }),
    status: 400,
    says: /nested more than/,
  },
  {
    what: 'a job list filter with a NUL in its search',
    send: () => callOp(server, 'jobs.list', { filter: { search: 'a\u0000' } }),
    status: 400,
    says: /NUL/,
  },
  { what: 'a limit of a billion', send: () => callOp(server, 'jobs.list', { limit: 1e9 }), status: 400, says: /limit/ },
  { what: 'a limit that is not a whole number', send: () => callOp(server, 'jobs.list', { limit: 2.5 }), status: 400, says: /limit/ },
  {
    what: 'a connection string with a NUL',
    send: () => callOp(server, 'connections.test', { target: { url: 'postgres://a\u0000@localhost/db' } }),
    status: 400,
    says: /NUL/,
  },
  {
    what: 'an error rule with a lookahead (Postgres and the console would read it differently)',
    send: () => callOp(server, 'history.rules.set', { rules: [{ id: 'r', pattern: 'quota(?!tion)', type: 'x' }] }),
    status: 400,
    says: /lookaround mean different things/,
  },
  {
    what: 'an error rule with a Unicode class',
    send: () => callOp(server, 'history.rules.set', { rules: [{ id: 'r', pattern: '\\p{Lu}+', type: 'x' }] }),
    status: 400,
    says: /Unicode classes/,
  },
  {
    what: 'an error rule that matches everything',
    send: () => callOp(server, 'history.rules.set', { rules: [{ id: 'r', pattern: 'x*', type: 'x' }] }),
    status: 400,
    says: /empty string/,
  },
  {
    what: 'an error rule that does not compile',
    send: () => callOp(server, 'history.rules.set', { rules: [{ id: 'r', pattern: '([a-z', type: 'x' }] }),
    status: 400,
    says: /not a valid regular expression/,
  },
  { what: 'a retention of zero days', send: () => callOp(server, 'history.retention.set', { days: 0 }), status: 400, says: /days/ },
];

for (const c of CASES) {
  test(`hostile: ${c.what} gets ${c.status}, and changes nothing`, async () => {
    const before = await fingerprint(t.db, t.te);
    const response = await c.send();
    assert.equal(response.status, c.status, `${c.what}: ${response.body.slice(0, 300)}`);
    assert.match(response.body, c.says);
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    if (String(response.headers['content-type']).startsWith('application/json')) {
      const body = JSON.parse(response.body) as { ok: boolean; error?: { message: string } };
      assert.ok(!/Unexpected error/.test(body.error?.message ?? ''), body.error?.message);
    }
    assert.equal(await fingerprint(t.db, t.te), before, `${c.what} changed something`);
  });
}

test('the token scheme is case-insensitive (RFC 9110): `bearer <token>` is let in, `bearer <wrong>` is not', async () => {
  const lower = await raw(server, { path: '/api/app.status', headers: { authorization: `bearer ${server.token}` } });
  assert.equal(lower.status, 200, lower.body);
  const wrong = await raw(server, { path: '/api/app.status', headers: { authorization: `bearer ${'x'.repeat(server.token.length)}` } });
  assert.equal(wrong.status, 401);
});

test('a wrong method names the one that works (Allow), for operations and for the event stream', async () => {
  const onOp = await raw(server, { method: 'DELETE', path: '/api/jobs.list' });
  assert.deepEqual([onOp.status, onOp.headers.allow], [405, 'POST']);
  const onEvents = await raw(server, { method: 'POST', path: '/api/events' });
  assert.deepEqual([onEvents.status, onEvents.headers.allow], [405, 'GET']);
});

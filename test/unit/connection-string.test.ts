import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'pg-connection-string';
import { maskConnectionString, parseTarget, toConnectionString } from '../../src/engine/pg/connection-string.ts';

// A connection target (a URL, or its parts) goes through parseTarget and toConnectionString to pg: every host form
// users write must reach pg as they meant it, and a malformed one must be a clear refusal, never a crash.

const throughPg = (target: Parameters<typeof parseTarget>[0]) => parse(toConnectionString(parseTarget(target)));

test('every host form reaches pg as meant: names, addresses, brackets, socket directories', () => {
  const cases: [Parameters<typeof parseTarget>[0], string][] = [
    [{ url: 'postgres://u@localhost:5432/db' }, 'localhost'],
    [{ url: 'postgres://u@db_primary.internal/db' }, 'db_primary.internal'],
    [{ url: 'postgres://u@[::1]:5432/db' }, '::1'],
    [{ url: 'postgres://u@%2Fvar%2Frun%2Fpostgresql/db' }, '/var/run/postgresql'],
    [{ host: '127.0.0.1', port: 5432, database: 'db', user: 'u' }, '127.0.0.1'],
    [{ host: '::1', port: 5432, database: 'db', user: 'u' }, '::1'],
    [{ host: '[::1]', port: 5432, database: 'db', user: 'u' }, '::1'],
    [{ host: '/var/run/postgresql', port: 5432, database: 'db', user: 'u' }, '/var/run/postgresql'],
    [{ host: 'bücher.example', port: 5432, database: 'db', user: 'u' }, 'bücher.example'],
  ];
  for (const [target, host] of cases) assert.equal(throughPg(target).host, host, JSON.stringify(target));
});

test('a broken escape or a host that is no host is bad input, with a message', () => {
  for (const url of ['postgres://u@%zz:5432/db', 'postgres://u@h/%zz', 'postgres://%zz@h/db']) {
    assert.throws(
      () => parseTarget({ url }),
      (e: Error & { code?: string }) => e.code === 'invalid_input' && /broken %-escape/.test(e.message),
      url,
    );
  }
  assert.throws(
    () => parseTarget({ host: 'db/1', port: 5432, database: 'db', user: 'u' }),
    (e: Error & { code?: string }) => e.code === 'invalid_input' && /must be a host name/.test(e.message),
  );
});

test('a password given as a parameter is kept as the password, never in the saved parameters; an sslpassword is refused', () => {
  const url = parseTarget({ url: 'postgres://ops@db2.internal:5432/app?sslmode=require&password=QP4SS' });
  assert.equal(url.password, 'QP4SS');
  assert.equal(url.params, 'sslmode=require');
  // As in pg, the parameter wins over the URL's user:password; it is dropped from the parameters all the same.
  const both = parseTarget({ url: 'postgres://ops:A@db/app?password=B' });
  assert.equal(parse('postgres://ops:A@db/app?password=B').password, 'B', "pg's own order");
  assert.equal(both.password, 'B');
  assert.equal(both.params, undefined);
  // In any case, or %-escaped (pg decodes the key): still the password, never a saved parameter.
  for (const params of ['Password=s1', 'pass%77ord=s2', 'sslmode=disable&PASSWORD=s3']) {
    const t = parseTarget({ host: 'db', port: 5432, database: 'app', user: 'ops', params });
    assert.equal(t.password, params.match(/s\d/)![0], params);
    assert.doesNotMatch(t.params ?? '', /s\d/, params);
  }
  assert.throws(() => parseTarget({ host: 'db', port: 5432, database: 'app', user: 'ops', params: 'sslpass%77ord=k' }), /sslpassword/);
  assert.equal(
    maskConnectionString('postgres://u:pw@h/db?sslmode=require&password=x1&a=b'),
    'postgres://u:•••@h/db?sslmode=require&password=•••&a=b',
  );
  assert.equal(parse(toConnectionString(url, url.password)).password, 'QP4SS', 'pg still gets it');
  assert.throws(
    () => parseTarget({ host: 'db', port: 5432, database: 'app', user: 'ops', params: 'sslmode=require&sslpassword=KEYPASS' }),
    /sslpassword, which Jobdeck could only keep in clear/,
  );
  // Parameters without a password are kept exactly as given.
  assert.equal(
    parseTarget({ url: 'postgres://ops@db/app?application_name=a%20b&sslmode=disable' }).params,
    'application_name=a%20b&sslmode=disable',
  );
});

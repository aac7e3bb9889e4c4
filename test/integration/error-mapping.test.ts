import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { z } from 'zod';
import pg from 'pg';
import { useTestDatabase } from '../helpers/engine.ts';
import { toErrorBody } from '../../src/engine/errors.ts';
import { HTTP_STATUS, OpError } from '../../src/shared/contract/index.ts';

const t = useTestDatabase();

const logged: string[] = [];
const context = { operation: 'test.op', log: (_level: string, message: string) => void logged.push(message) };

test('a Postgres error from any domain becomes a database_error with a plain message', async () => {
  const error = await t.db.pool.query('select 1 / 0').catch((e: unknown) => e);
  const body = toErrorBody(error, context);
  assert.equal(body.code, 'database_error');
  assert.match(body.message, /division by zero/);
  assert.equal(HTTP_STATUS[body.code], 502, 'the database failed, not Jobdeck');

  const refused = await new pg.Client({ host: '127.0.0.1', port: 1, user: 'x', database: 'x', connectionTimeoutMillis: 2000 })
    .connect()
    .catch((e: unknown) => e);
  const unreachable = toErrorBody(refused, { ...context, where: { host: '127.0.0.1', port: 1 } });
  assert.deepEqual(unreachable, {
    code: 'database_error',
    message: 'Cannot reach Postgres at 127.0.0.1:1: connection refused (is it running, and on that port?)',
  });
});

test('a SQLite error becomes a storage_error naming what is wrong, never internal', () => {
  const db = new Database(':memory:');
  let caught: unknown;
  try {
    db.prepare('select * from no_such_table').all();
  } catch (error) {
    caught = error;
  }
  db.close();
  const body = toErrorBody(caught, context);
  assert.equal(body.code, 'storage_error');
  assert.match(body.message, /local data file could not be used: .*no such table/);
  const full = toErrorBody(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), context);
  assert.match(full.message, /the disk is full \(SQLITE_FULL\)/);
});

test('invalid input and operation errors keep their code; anything else is internal with a correlation id in the log', () => {
  assert.deepEqual(toErrorBody(new OpError('not_found', 'No job 5'), context), { code: 'not_found', message: 'No job 5' });
  const zodError = z.object({ n: z.number() }).safeParse({ n: 'x' }).error;
  assert.equal(toErrorBody(zodError, context).code, 'invalid_input');

  logged.length = 0;
  const body = toErrorBody(new TypeError("Cannot read properties of undefined (reading 'x')"), context);
  assert.equal(body.code, 'internal');
  assert.match(body.correlationId ?? '', /^[0-9a-f]{8}$/);
  assert.ok(body.message.includes(body.correlationId!), 'the operator sees the reference');
  assert.equal(logged.length, 1);
  assert.ok(logged[0].includes(`[${body.correlationId}]`) && logged[0].includes('TypeError'), 'the log has the same id and the stack');
});

test('an operation that hits a Postgres error answers database_error through the entry point, not internal', async () => {
  // A test database only: a private table out of the way makes a jobs-domain query fail inside Postgres.
  await t.db.pool.query('alter table graphile_worker._private_tasks rename to _private_tasks_moved');
  try {
    const result = await t.te.engine.call('jobs.facets', {});
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.error.code, 'database_error');
    assert.match(!result.ok ? result.error.message : '', /_private_tasks/);
  } finally {
    await t.db.pool.query('alter table graphile_worker._private_tasks_moved rename to _private_tasks');
  }
});

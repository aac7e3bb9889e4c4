import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startWebServer, type WebServer } from '../../src/server/web-server.ts';
import { contract } from '../../src/shared/contract/index.ts';
import { MAX_INPUT_DEPTH } from '../../src/engine/input-shape.ts';
import { callOp, fingerprint, STATIC_DIR, type RawResponse } from './harness.ts';

// Every operation of the contract, sent inputs it does not accept, over HTTP as a hostile client would: each
// answer is a 4xx with a message that names the problem, and nothing changes (graphile-worker's jobs, the
// user's own table, Jobdeck's SQLite). The cases are generated from the contract, so a new operation is covered
// the day it is declared.

const t = {} as { db: TestPostgres; te: TestEngine };
let server: WebServer;

before(async () => {
  t.db = await startTestPostgres();
  t.te = await startTestEngine({ databaseUrl: t.db.connectionString, runner: false });
  await t.db.pool.query('create table public.customer_notes (id serial primary key, body text not null)');
  await t.db.pool.query(`insert into public.customer_notes (body) values ('keep me'), ('and me')`);
  await t.db.pool.query(`select graphile_worker.add_job('hostile_task', json_build_object('n', n)) from generate_series(1, 12) n`);
  await t.te.call('history.rules.set', { rules: [{ id: 'gpu', pattern: 'CUDA out of memory', type: 'gpu_oom' }] });
  server = await startWebServer({ engine: t.te.engine, staticDir: STATIC_DIR });
});
after(async () => {
  await server?.close();
  await t.te?.close();
  await t.db?.close();
});

interface Case {
  what: string;
  body: unknown;
  /** What the message must contain: the field it is about, or the rule it breaks. */
  says: string;
}

type Def = { type: string; format?: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; element?: z.ZodType; in?: z.ZodType };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The field's own definition, under optional/default/nullable (and a pipe's input). */
function innerDef(schema: z.ZodType): Def {
  let def = defOf(schema);
  while (true) {
    if (['optional', 'default', 'nullable', 'prefault'].includes(def.type) && def.innerType) def = defOf(def.innerType);
    else if (def.type === 'pipe' && def.in) def = defOf(def.in);
    else return def;
  }
}
const fieldType = (schema: z.ZodType): string => innerDef(schema).type;

/**
 * Every time field of an input, at any depth of objects and lists, as the body that holds `time` there (by default
 * one in year 0000: the format allows it; Postgres has no year 0).
 */
function timeFieldBodies(
  shape: Record<string, z.ZodType>,
  at: (value: unknown) => unknown = (v) => v,
  time = '0000-06-01T00:00:00Z',
): { path: string; body: unknown }[] {
  const found: { path: string; body: unknown }[] = [];
  for (const [field, schema] of Object.entries(shape)) {
    const def = innerDef(schema);
    if (def.type === 'string' && def.format === 'datetime') found.push({ path: field, body: at({ [field]: time }) });
    else if (def.type === 'object' && def.shape) found.push(...timeFieldBodies(def.shape, (v) => at({ [field]: v }), time));
    else if (def.type === 'array' && def.element) {
      const item = innerDef(def.element);
      if (item.type === 'object' && item.shape) found.push(...timeFieldBodies(item.shape, (v) => at({ [field]: [v] }), time));
    }
  }
  return found;
}

/** A value of the wrong kind for a field of this type, or undefined for a field that takes any JSON. */
const WRONG: Record<string, unknown> = {
  string: 12345,
  number: 'twelve',
  boolean: 'yes',
  array: { not: 'a list' },
  object: 'not an object',
  union: [[[]]],
  literal: false,
  enum: 'no-such-value',
};

function deep(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

function casesFor(name: string): Case[] {
  const shape = defOf(contract[name as keyof typeof contract].input).shape ?? {};
  const cases: Case[] = [
    { what: 'a list instead of an object', body: [], says: 'input' },
    { what: 'a string instead of an object', body: 'select 1', says: 'input' },
    { what: 'a key the operation does not know', body: { __proto_pollution__: { admin: true } }, says: 'Unrecognized key' },
    { what: `values nested deeper than ${MAX_INPUT_DEPTH} levels`, body: { deep: deep(MAX_INPUT_DEPTH + 5) }, says: 'nested more than' },
    { what: 'a NUL character in a key', body: { 'id\u0000': 'x' }, says: 'NUL' },
    { what: 'a NUL character in a value', body: { note: 'drop\u0000table' }, says: 'NUL' },
  ];
  for (const [field, schema] of Object.entries(shape)) {
    const wrong = WRONG[fieldType(schema)];
    if (wrong === undefined) continue;
    cases.push({ what: `${field} of the wrong kind (${JSON.stringify(wrong)})`, body: { [field]: wrong }, says: field });
  }
  for (const { path, body } of timeFieldBodies(shape))
    cases.push({ what: `a time in year 0000 at ${path}`, body, says: 'a time needs a year from 0001 to 9999' });
  // The same year reached through an offset: 0001-01-01 at +01:00 is 0000-12-31 in UTC.
  for (const { path, body } of timeFieldBodies(shape, (v) => v, '0001-01-01T00:00:00+01:00'))
    cases.push({ what: `a time in year 0000 by its offset at ${path}`, body, says: 'a time needs a year from 0001 to 9999' });
  return cases;
}

function assertRefused(response: RawResponse, op: string, c: Case): void {
  const where = `${op} with ${c.what}`;
  assert.ok(response.status >= 400 && response.status < 500, `${where}: HTTP ${response.status} ${response.body.slice(0, 300)}`);
  assert.match(String(response.headers['content-type']), /^application\/json/, where);
  assert.equal(response.headers['x-content-type-options'], 'nosniff', where);
  const body = JSON.parse(response.body) as { ok: boolean; error: { code: string; message: string } };
  assert.equal(body.ok, false, where);
  assert.equal(body.error.code, 'invalid_input', `${where}: ${body.error.message}`);
  assert.ok(body.error.message.includes(c.says), `${where}: the message names "${c.says}": ${body.error.message}`);
  assert.ok(!/Unexpected error|internal/i.test(body.error.message), `${where}: ${body.error.message}`);
}

for (const op of Object.keys(contract)) {
  test(`${op}: every input it does not accept gets a 400 that says why, and changes nothing`, async () => {
    const cases = casesFor(op);
    assert.ok(cases.length >= 6);
    for (const c of cases) {
      const before = await fingerprint(t.db, t.te);
      assertRefused(await callOp(server, op, c.body), op, c);
      assert.equal(await fingerprint(t.db, t.te), before, `${op} with ${c.what} changed something`);
    }
  });
}

test('time fields are found at every depth: a year-0000 time is refused wherever an operation takes a time', () => {
  const ops = Object.keys(contract).filter((op) => casesFor(op).some((c) => c.what.startsWith('a time in year 0000')));
  for (const op of ['jobs.list', 'jobs.count', 'jobs.retry', 'jobs.add', 'jobs.addBatch', 'control.pause', 'history.list'])
    assert.ok(ops.includes(op), `${op} has a year-0000 case (found for: ${ops.join(', ')})`);
});

test('the generated cases number more than the 150 the hardening asks for', () => {
  const total = Object.keys(contract).reduce((n, op) => n + casesFor(op).length, 0);
  assert.ok(total > 150, `${total} cases`);
});

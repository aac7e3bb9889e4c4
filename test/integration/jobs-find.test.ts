import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine.ts';

let db: TestPostgres;
let te: TestEngine;

before(async () => {
  db = await startTestPostgres();
  await db.pool.query('create table fixture_visits (job_id bigint, n int)');
  te = await startTestEngine({
    databaseUrl: db.connectionString,
    runner: true,
    taskDirectory: path.resolve(import.meta.dirname, '../fixtures/tasks'),
  });
  await waitFor('the hosted runner', () => te.engine.parts.hosted.poolId());
});
after(async () => {
  await te?.close();
  await db?.close();
});

/** A job for a task no worker runs (it stays waiting), with a key and a payload. */
async function addIdle(key: string | null, payload: object, task = 'nobody_runs_this'): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(`select (graphile_worker.add_job($1, $2::json, job_key => $3)).id::text as id`, [
    task,
    JSON.stringify(payload),
    key,
  ]);
  return rows[0].id;
}

const gone = async (id: string) => (await db.pool.query('select 1 from graphile_worker._private_jobs where id = $1', [id])).rowCount === 0;

test('jobs.find: an exact id (with or without #) opens the waiting job', async () => {
  const id = await addIdle(null, { eventId: 1 });
  for (const query of [id, `#${id}`, ` ${id} `]) {
    const found = await te.call('jobs.find', { query });
    const match = found.matches.find((m) => m.id === id);
    assert.ok(match, `found by ${JSON.stringify(query)}`);
    assert.equal(match.matchedBy, 'id');
    assert.equal(match.state, 'ready');
    assert.equal(match.gone, false);
    assert.equal(match.task, 'nobody_runs_this');
    assert.equal(found.matches[0].id, id, 'the id match comes first');
  }
});

test('jobs.find: an exact job key finds its job, and only it', async () => {
  const id = await addIdle('insight:find-me-7', { eventId: 7 });
  await addIdle('insight:find-me-70', { eventId: 70 });
  const found = await te.call('jobs.find', { query: 'insight:find-me-7' });
  const byKey = found.matches.filter((m) => m.matchedBy === 'key');
  assert.deepEqual(
    byKey.map((m) => [m.id, m.key]),
    [[id, 'insight:find-me-7']],
  );
});

test('jobs.find: payload text, case-insensitive, with a snippet around it; wildcards are literal', async () => {
  const a = await addIdle(null, { title: 'Quarterly Report for ACME-Widgets', n: 1 });
  const b = await addIdle(null, { title: 'nothing to see', note: 'acme-widgets again' });
  await addIdle(null, { title: 'ACMExWidgets' });
  const found = await te.call('jobs.find', { query: 'acme-widgets' });
  assert.deepEqual(found.matches.map((m) => m.id).sort(), [a, b].sort());
  assert.ok(found.matches.every((m) => m.matchedBy === 'payload'));
  assert.match(found.matches.find((m) => m.id === a)!.snippet ?? '', /ACME-Widgets/);
  assert.equal(found.payloadCapped, false, 'far fewer jobs than the scan limit');
  assert.equal(found.payloadScanned, 100_000);

  const percent = await te.call('jobs.find', { query: '%' });
  assert.equal(percent.matches.length, 0, '% is a literal, not a wildcard');
});

test('jobs.find: the answer is capped at the limit and says there are more', async () => {
  for (let i = 0; i < 5; i++) await addIdle(null, { tag: 'many-of-these' });
  const found = await te.call('jobs.find', { query: 'many-of-these', limit: 3 });
  assert.equal(found.matches.length, 3);
  assert.equal(found.more, true);
  const all = await te.call('jobs.find', { query: 'many-of-these', limit: 10 });
  assert.equal(all.matches.length, 5);
  assert.equal(all.more, false);
});

test('jobs.find: a completed job is found from the history by its id and by its key', async () => {
  const { rows } = await db.pool.query<{ id: string }>(
    `select (graphile_worker.add_job('record_visit', '{"n": 5}'::json, job_key => 'visit:done-5')).id::text as id`,
  );
  const id = rows[0].id;
  await waitFor('the job to run and leave the database', () => gone(id), 20_000);

  const byId = await waitFor('its attempt in the history', async () => {
    const r = await te.call('jobs.find', { query: id });
    return r.matches.find((m) => m.id === id && m.outcome === 'succeeded') ?? null;
  });
  assert.deepEqual([byId.gone, byId.state, byId.matchedBy, byId.task], [true, null, 'id', 'record_visit']);

  // graphile-worker forgot the key with the job; the companion's attempts (the hosted runner's) kept it.
  const byKey = await waitFor('its key in the companion’s attempts', async () => {
    const r = await te.call('jobs.find', { query: 'visit:done-5' });
    return r.matches.find((m) => m.id === id) ?? null;
  });
  assert.deepEqual([byKey.gone, byKey.matchedBy, byKey.key, byKey.outcome], [true, 'key', 'visit:done-5', 'succeeded']);

  const detail = await te.call('jobs.get', { id });
  assert.equal(detail.gone, true, 'the job page it links to answers from the history too');
});

test('jobs.find: an id nobody knows finds nothing; bad input is a 4xx and names the problem', async () => {
  const none = await te.call('jobs.find', { query: '987654321' });
  assert.deepEqual(none.matches, []);

  const bad: [unknown, RegExp][] = [
    [{ query: '' }, /type a job id/],
    [{ query: '   ' }, /type a job id/],
    [{ query: 'x'.repeat(201) }, /at most 200/],
    [{ query: 'a\u0007b' }, /control characters/],
    [{ query: 'a\u0000b' }, /NUL/],
    [{ query: 'x', limit: 0 }, /limit/i],
    [{ query: 'x', limit: 51 }, /limit/i],
    [{ query: 'x', extra: 1 }, /extra|unrecognized/i],
    [{}, /query/],
  ];
  for (const [input, message] of bad) {
    const result = await te.engine.call('jobs.find', input);
    assert.equal(result.ok, false, JSON.stringify(input));
    if (!result.ok) {
      assert.equal(result.error.code, 'invalid_input', JSON.stringify(input));
      assert.match(result.error.message, message, JSON.stringify(input));
    }
  }
  // A 20-digit number is no bigint id: searched as text, never a database error.
  const big = await te.call('jobs.find', { query: '99999999999999999999' });
  assert.deepEqual(big.matches, []);
});

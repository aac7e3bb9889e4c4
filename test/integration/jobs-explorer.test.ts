import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useTestDatabase, waitFor } from '../helpers/engine.ts';
import { withDatabase } from '../helpers/postgres.ts';
import { startWebServer, type WebServer } from '../../src/server/web-server.ts';
import { classifyError, BUILTIN_ERROR_TYPES } from '../../src/shared/errors/index.ts';
import { addJobs, makeFailed } from './jobs-fixtures.ts';
import type { JobRow, JobsPage } from '../../src/shared/model/jobs.ts';

const t = useTestDatabase();

/** Error messages as LLM clients print them, at least one per built-in type. */
const MESSAGES = [
  "openai.RateLimitError: Error code: 429 - {'error': {'code': 'insufficient_quota'}}",
  'google.api_core.exceptions.ResourceExhausted: 429 Resource has been exhausted (e.g. check quota).',
  "This model's maximum context length is 4096 tokens. However, you requested 429 tokens in the messages and 500 in the completion.",
  'Completion stopped with finish_reason=content_filter',
  'Input was flagged by the moderation endpoint',
  '401 Incorrect API key provided: sk-abc*****xyz.',
  'PermissionDeniedError: 403 Country, region, or territory not supported',
  'openai.APITimeoutError: Request timed out.',
  '<html><head><title>504 Gateway Time-out</title></head><body>nginx</body></html>',
  'Request timeout after 300 seconds (provider said: 503 Service Unavailable)',
  'Error: connect ECONNREFUSED 127.0.0.1:11434',
  "requests.exceptions.ConnectionError: ('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))",
  'JSONDecodeError: Expecting value: line 1 column 1 (char 0)',
  'SyntaxError: Unexpected token < in JSON at position 0',
  "1 validation error for Insight\n  Invalid JSON: EOF while parsing a value at line 1 column 0 [type=json_invalid, input_value='', input_type=str]",
  'pydantic_core._pydantic_core.ValidationError: 1 validation error for Insight\nsummary\n  Field required [type=missing]',
  'Could not extract structured output from API response',
  'AbortError: This operation was aborted',
  'Post "http://127.0.0.1:11434/api/chat": context canceled',
  "anthropic.InternalServerError: Error code: 529 - {'type': 'error', 'error': {'type': 'overloaded_error'}}",
  '502 Bad Gateway',
  'model "llama3" not found, try pulling it first',
  "TypeError: Cannot read properties of undefined (reading 'choices')",
  'Unexpected\nJSON token',
];

const all = async (filter: object, limit = 50): Promise<JobRow[]> => {
  const rows: JobRow[] = [];
  let cursor: string | null = null;
  do {
    const page: JobsPage = await t.te.call('jobs.list', { filter, cursor, limit });
    rows.push(...page.rows);
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
};

test('the error-type filter in SQL agrees with the shared classifier on every message', async () => {
  const ids: string[] = [];
  for (const message of MESSAGES) {
    const [id] = await addJobs(t.db.pool, 'classified', 1, { maxAttempts: 1 });
    await makeFailed(t.db.pool, [id], message);
    ids.push(id);
  }
  const expected = new Map(ids.map((id, i) => [id, classifyError(MESSAGES[i])]));
  for (const { type } of BUILTIN_ERROR_TYPES) {
    const rows = await all({ tasks: ['classified'], errorType: type });
    const want = ids.filter((id) => expected.get(id) === type).sort();
    assert.deepEqual(rows.map((r) => r.id).sort(), want, `error type ${type}`);
    for (const row of rows) assert.equal(row.errorType, type);
  }
});

test('filters by state, task, queue, payload text and time; keyset pages cover every job once, newest first', async () => {
  const a = await addJobs(t.db.pool, 'pager', 237, { payload: { eventId: 1, note: 'plain' } });
  const needle = await addJobs(t.db.pool, 'pager', 3, { payload: { eventId: 2, note: 'needle_50%' }, queue: 'q-pager' });
  await makeFailed(t.db.pool, a.slice(0, 40), 'boom');
  const pages = await all({ tasks: ['pager'] }, 25);
  const expected = [...a, ...needle].sort((x, y) => Number(y) - Number(x));
  assert.deepEqual(
    pages.map((r) => r.id),
    expected,
  );

  const failed = await all({ tasks: ['pager'], states: ['failed'] });
  assert.deepEqual(failed.map((r) => r.id).sort(), [...a.slice(0, 40)].sort());
  assert.ok(failed.every((r) => r.state === 'failed' && r.errorHead === 'boom'));

  // The payload is searched (only in the private table); LIKE wildcards in the text are literal.
  assert.deepEqual((await all({ search: 'needle_50%' })).map((r) => r.id).sort(), needle.sort());
  assert.equal((await all({ search: 'needle_5%x' })).length, 0);
  assert.deepEqual((await all({ queues: ['q-pager'] })).map((r) => r.id).sort(), needle.sort());

  const future = new Date(Date.now() + 60_000).toISOString();
  assert.equal((await all({ tasks: ['pager'], createdFrom: future })).length, 0);
  assert.equal((await all({ tasks: ['pager'], createdTo: future })).length, 240);
});

test('the count is exact below 10,000 and marked as a snapshot or an estimate above', async () => {
  await addJobs(t.db.pool, 'counted', 240);
  const exact = await t.te.call('jobs.count', { filter: { tasks: ['counted'] } });
  assert.deepEqual([exact.value, exact.basis], [240, 'exact']);
  await addJobs(t.db.pool, 'many', 12_000, { payload: { kind: 'bulk' } });
  await t.db.pool.query('analyze graphile_worker._private_jobs');
  const snapshot = await waitFor('a snapshot with the new jobs', async () => {
    const c = await t.te.call('jobs.count', { filter: { tasks: ['many'] } });
    return c.basis === 'snapshot' && c.value === 12_000 ? c : null;
  });
  assert.equal(snapshot.atLeast, 10_001);
  const estimate = await t.te.call('jobs.count', { filter: { search: 'bulk' } });
  assert.equal(estimate.basis, 'estimate');
  assert.equal(estimate.atLeast, 10_001);
  assert.ok(estimate.value >= 10_001);
});

test('a job in full: pretty payload, whole error (bounded), lock, key, flags', async () => {
  const big = 'x'.repeat(100_000);
  const { rows } = await t.db.pool.query<{ id: string }>(
    `select id::text from graphile_worker.add_job('detail_task', '{"eventId":42,"html":"<script>alert(1)</script>"}'::json,
       queue_name => 'q-detail', job_key => 'event-42', priority => 3, max_attempts => 7, flags => array['llm'])`,
  );
  const id = rows[0].id;
  await t.db.pool.query(
    `update graphile_worker._private_jobs set attempts = 2, last_error = $2, locked_by = 'pool-x', locked_at = now() - interval '90 seconds' where id = $1`,
    [id, `Error code: 429 ${big}`],
  );
  const d = await t.te.call('jobs.get', { id });
  assert.equal(d.payload, JSON.stringify({ eventId: 42, html: '<script>alert(1)</script>' }, null, 2));
  assert.deepEqual(
    [d.task, d.queue, d.key, d.priority, d.attempts, d.maxAttempts, d.state],
    ['detail_task', 'q-detail', 'event-42', 3, 2, 7, 'running'],
  );
  assert.deepEqual(d.flags, ['llm']);
  assert.equal(d.lockedBy, 'pool-x');
  assert.ok(Date.parse(d.dbNow) - Date.parse(d.lockedAt!) >= 89_000);
  assert.equal(d.errorLength, 100_000 + 'Error code: 429 '.length);
  assert.equal(d.lastError!.length, 64 * 1024);
  assert.equal(d.errorType, 'rate_limit');
  assert.equal(d.errorHead!.length, 300);
  const missing = await t.te.engine.call('jobs.get', { id: '987654321' });
  assert.equal(!missing.ok && missing.error.code, 'not_found');
  const facets = await t.te.call('jobs.facets');
  assert.ok(facets.tasks.includes('detail_task') && facets.queues.includes('q-detail'));
});

test('a read-only connection or a role without privileges: actions refused in the engine and over HTTP, reads still work', async () => {
  const writable = t.te.engine.parts.sessions.current()!.profile.id;
  const profile = await t.te.call('connections.save', {
    name: 'read-only view',
    target: { url: t.db.connectionString },
    readOnly: true,
    savePassword: false,
  });
  await t.te.call('connections.activate', { id: profile.id });
  const [id] = await addJobs(t.db.pool, 'ro_task', 1, { maxAttempts: 1 });
  await makeFailed(t.db.pool, [id]);
  for (const name of ['jobs.retry', 'jobs.cancel', 'jobs.fail', 'jobs.unlock'] as const) {
    const result = await t.te.engine.call(name, { target: { ids: [id] } });
    assert.equal(!result.ok && result.error.code, 'read_only', name);
  }
  const staticDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-static-'));
  const web: WebServer = await startWebServer({ engine: t.te.engine, staticDir });
  try {
    const res = await fetch(`http://127.0.0.1:${web.port}/api/jobs.retry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${web.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ target: { filter: { states: ['failed'] } } }),
    });
    assert.equal(res.status, 403);
    const body = (await res.json()) as { ok: boolean; error: { code: string; message: string } };
    assert.equal(body.error.code, 'read_only');
    assert.match(body.error.message, /read-only/);
  } finally {
    await web.close();
    rmSync(staticDir, { recursive: true, force: true });
  }
  const row = (await t.db.pool.query<{ attempts: number }>('select attempts from graphile_worker._private_jobs where id = $1', [id]))
    .rows[0];
  assert.equal(row.attempts, 1, 'nothing changed');
  assert.equal((await t.te.call('jobs.list', { filter: { tasks: ['ro_task'] } })).rows.length, 1);
  assert.equal(t.te.engine.status().connection.readOnlyReason, 'This connection is marked read-only');

  // A role that can read graphile-worker's tables but not change them: refused with the privilege as the reason.
  // (graphile-worker's tables have row-level security without policies: a reader needs BYPASSRLS to see rows.)
  const viewerRole = t.db.roleName('jobs_viewer');
  await t.db.pool.query(`create role ${viewerRole} login bypassrls password 'viewer-pw';
    grant usage on schema graphile_worker to ${viewerRole};
    grant select on all tables in schema graphile_worker to ${viewerRole}`);
  const viewer = await t.te.call('connections.save', {
    name: 'viewer role',
    target: { url: withDatabase(t.db.connectionString, t.db.database, { user: viewerRole, password: 'viewer-pw' }) },
    readOnly: false,
    savePassword: false,
  });
  await t.te.call('connections.activate', { id: viewer.id });
  assert.match(t.te.engine.status().connection.readOnlyReason ?? '', new RegExp(`Role ${viewerRole} lacks UPDATE/DELETE`));
  const refused = await t.te.engine.call('jobs.retry', { target: { ids: [id] } });
  assert.equal(!refused.ok && refused.error.code, 'read_only');
  assert.equal((await t.te.call('jobs.list', { filter: { tasks: ['ro_task'] } })).rows.length, 1, 'reads still work');
  await t.te.call('connections.activate', { id: writable });
});

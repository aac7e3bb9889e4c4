import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';
import { waitFor } from '../helpers/engine.ts';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { addJobs, makeFailed } from '../integration/jobs-fixtures.ts';

const skip = browserSkipReason();
let db: TestPostgres;
let web: WebConsole | undefined;
let failed: string[] = [];

const QUOTA =
  "openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota', 'code': 'insufficient_quota'}}";
const LIST = '#/jobs?state=failed&task=generate_insight';

// Each test gets the same starting point, a database and a console of its own: it runs alone and in any order.
beforeEach(async () => {
  if (skip) return;
  db = await startTestPostgres();
  // Failed insight jobs (quota and parse errors), some waiting ones, and failures of another task.
  failed = await addJobs(db.pool, 'generate_insight', 24, { payload: { eventId: 1 }, maxAttempts: 3 });
  await makeFailed(db.pool, failed.slice(0, 16), QUOTA);
  await makeFailed(
    db.pool,
    failed.slice(16),
    'pydantic_core._pydantic_core.ValidationError: 1 validation error for Insight\nsummary\n  Field required',
  );
  await addJobs(db.pool, 'generate_insight', 6, { payload: { eventId: 2 }, runAt: new Date(Date.now() + 3_600_000).toISOString() });
  const other = await addJobs(db.pool, 'summarize', 5, { queue: 'summaries', maxAttempts: 2 });
  await makeFailed(db.pool, other, 'Request timeout after 300 seconds');
  await db.pool.query(
    `update graphile_worker._private_jobs set payload = json_build_object('eventId', id, 'title', 'Rates rise <b>again</b>') where id = any($1::bigint[])`,
    [failed],
  );
  web = await startWebConsole({ databaseUrl: db.connectionString, runner: false });
});
afterEach(async () => {
  await web?.close();
  await db?.close();
  web = undefined;
});

/** The page's elements, as far as this file uses them (the Node tsconfig has no DOM lib to type them). */
type PageElement = { getAttribute(name: string): string | null };

const rowIds = async () =>
  (
    await web!.page
      .locator('[data-testid^="job-row-"]')
      .evaluateAll((els: PageElement[]) => els.map((e) => e.getAttribute('data-testid')!.slice(8)))
  ).sort();

test('filter to failed jobs, open one, retry it, and see it leave the failed list', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await web.open(LIST);
    await page.getByTestId(`job-row-${failed[0]}`).waitFor();
    assert.deepEqual(await rowIds(), [...failed].sort(), 'exactly the failed generate_insight jobs');
    await page.getByTestId('match-count').getByText('24 jobs').waitFor();
    await web.screenshot('jobs-list');

    const target = failed[3];
    await page.getByTestId(`open-${target}`).click();
    await page.getByTestId('job-detail').waitFor();
    assert.match(
      await page.getByTestId('job-payload').innerText(),
      /"title": "Rates rise <b>again<\/b>"/,
      'the payload is pretty-printed, as text',
    );
    assert.equal(await page.getByTestId('job-last-error').innerText(), QUOTA);
    assert.equal(await page.locator('[data-testid="job-payload"] b').count(), 0, 'nothing in the payload is rendered as HTML');
    await web.screenshot('job-detail');
    assert.equal(await page.getByTestId('job-action-fail').isDisabled(), true, 'a permanently failed job cannot be marked so again');

    await page.getByTestId('job-action-retry').click();
    await page.getByTestId('action-count').getByText('1 job will be touched').waitFor();
    await page.getByTestId('action-confirm').click();
    await page.getByTestId('action-report').waitFor();
    assert.equal(await page.getByTestId('report-affected').innerText(), '1');
    await page.getByTestId('action-close').click();
    await page.locator('[data-testid="job-detail"][data-state="ready"]').waitFor();

    await web.open(LIST);
    await page.getByTestId(`job-row-${failed[0]}`).waitFor();
    const left = await rowIds();
    assert.equal(left.length, 23);
    assert.ok(!left.includes(target), 'the retried job left the failed list');
  }),
);

test('bulk-retry everything a filter matches: confirmation with the count, progress, report', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await web.open(`${LIST}&errorType=rate_limit`);
    await page.getByTestId(`job-row-${failed[0]}`).waitFor();
    // What this filter is, beside the Failures view's counts of attempts (which it rarely equals).
    await page.getByTestId('jobs-error-type-note').getByText('whose last error is rate limit').waitFor();
    const quota = await rowIds();
    assert.equal(quota.length, 16, 'the quota failures');
    await page.getByTestId('bulk-retry').click();
    await page.getByTestId('action-count').getByText('16 jobs will be touched').waitFor();
    await web.screenshot('jobs-bulk-confirm');
    await page.getByTestId('action-confirm').click();
    await page.getByTestId('action-report').waitFor();
    assert.equal(await page.getByTestId('report-affected').innerText(), '16');
    assert.equal(await page.getByTestId('report-skipped').innerText(), '0');
    await web.screenshot('jobs-bulk-report');
    await page.getByTestId('action-close').click();
    await page.getByTestId('job-table').getByText('No job matches this filter.').waitFor();

    const { rows } = await db.pool.query<{ n: number }>(
      `select count(*)::int as n from graphile_worker._private_jobs where id = any($1::bigint[]) and attempts = 0`,
      [quota],
    );
    assert.equal(rows[0].n, 16);
    const parseFailures = await db.pool.query<{ n: number }>(
      `select count(*)::int as n from graphile_worker._private_jobs where id = any($1::bigint[]) and attempts = max_attempts`,
      [failed.slice(16)],
    );
    assert.equal(parseFailures.rows[0].n, 8, 'jobs outside the filter are untouched');

    await page.getByTestId('nav-audit').click();
    await page.locator('[data-testid^="audit-"] >> nth=1').waitFor();
    await web.screenshot('audit-log');
    const text = await page.getByTestId('audit-table').innerText();
    assert.match(text, /retried 16 jobs of generate_insight where state is permanently failed and error type is rate limit/);
    // Its target is a link to the filter it acted on.
    const target = new URLSearchParams(
      ((await page.getByTestId('audit-target-link').first().getAttribute('href')) ?? '').split('?')[1] ?? '',
    );
    assert.deepEqual([target.get('state'), target.get('task'), target.get('errorType')], ['failed', 'generate_insight', 'rate_limit']);
  }),
);

/** Waits until the element with this test id has the focus (polled: the console's CSP refuses waitForFunction's eval). */
const focusOn = (web: WebConsole, testId: string) =>
  waitFor(
    `the focus on ${testId}`,
    async () => (await web.page.evaluate<string | null>(`document.activeElement?.getAttribute('data-testid') ?? null`)) === testId,
    10_000,
  );

test('jobs that come to match after the count are not acted on: the action is refused and changes nothing', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    // The six insight jobs scheduled an hour ahead.
    await web.open('#/jobs?state=scheduled&task=generate_insight');
    await page.locator('[data-testid^="job-row-"]').nth(5).waitFor();
    const scheduled = await rowIds();
    assert.equal(scheduled.length, 6);
    await page.getByTestId('bulk-cancel').click();
    await page.getByTestId('action-count').getByText('6 jobs will be touched').waitFor();
    // Two more are scheduled while the operator reads the dialog.
    const late = await addJobs(db.pool, 'generate_insight', 2, { runAt: new Date(Date.now() + 3_600_000).toISOString() });
    await page.getByTestId('action-confirm').click();
    await page.getByText('8 jobs match now, more than the 6 you confirmed: nothing was changed').waitFor();
    await web.screenshot('jobs-bulk-refused');
    const left = async () =>
      (
        await db.pool.query<{ n: number }>('select count(*)::int as n from graphile_worker._private_jobs where id = any($1::bigint[])', [
          [...scheduled, ...late],
        ])
      ).rows[0].n;
    assert.equal(await left(), 8, 'no job was cancelled');
    // Started again, the dialog counts again, and the action takes all of them. Closed, the dialog gave the focus
    // back to the button that opened it (it had gone to the page's body).
    await page.getByTestId('action-close').click();
    await focusOn(web, 'bulk-cancel');
    await page.getByTestId('bulk-cancel').click();
    await page.getByTestId('action-count').getByText('8 jobs will be touched').waitFor();
    await page.getByTestId('action-confirm').click();
    await page.getByTestId('action-report').waitFor();
    assert.equal(await page.getByTestId('report-affected').innerText(), '8');
    assert.equal(await left(), 0);

    // A dialog with a field opens on it: what is typed goes there, and Enter does not press its Close button.
    await page.getByTestId('action-close').click();
    await web.open('#/jobs');
    await page.getByTestId('bulk-priority').click();
    await focusOn(web, 'priority-input');
    await page.keyboard.press('Escape');
    await focusOn(web, 'bulk-priority');
  }),
);

test("a job's page follows the job while it is in the queue, without a click on Refresh", { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    const [id] = await addJobs(db.pool, 'summarize', 1, { maxAttempts: 2 });
    await web.open(`#/jobs/${id}`);
    const detail = page.getByTestId('job-detail');
    await detail.getByText('0 of 2').waitFor();
    // A worker elsewhere tries it and it fails for good.
    await makeFailed(db.pool, [id], 'Request timeout after 300 seconds');
    await detail.getByText('2 of 2').waitFor({ timeout: 10_000 });
    await detail.locator('.state-badge').getByText('Permanently failed').waitFor();
  }),
);

test('a link to a job with a malformed id says so, rather than showing the whole list', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await web.open('#/jobs/abc');
    await page.getByTestId('job-bad-id').getByText('abc is not a job id').waitFor();
    assert.equal(await page.getByTestId('job-table').count(), 0, 'no list under it');
    await page.getByTestId('job-bad-id').getByRole('link', { name: 'Go to the jobs' }).click();
    await page.getByTestId('job-table').waitFor();
  }),
);

test('a filter in the address that Jobdeck cannot read is named, and actions on the whole filter are off', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await web.open('#/jobs?state=failed,bogus&task=generate_insight&runAtFrom=notadate');
    const banner = page.getByTestId('jobs-ignored-filter');
    await banner.getByText('state=bogus, runAtFrom=notadate').waitFor();
    await page.getByTestId('match-count').getByText('24 jobs').waitFor();
    assert.equal(await page.getByTestId('bulk-retry').isDisabled(), true, 'no retry of everything the shorter filter matches');
    assert.equal(await page.getByTestId('bulk-cancel').isDisabled(), true);
    await web.screenshot('jobs-ignored-filter');
    await banner.getByRole('button', { name: 'Drop them from the address' }).click();
    await page.getByTestId('jobs-ignored-filter').waitFor({ state: 'detached' });
    assert.equal(new URL(page.url()).hash, '#/jobs?state=failed&task=generate_insight');
    assert.equal(await page.getByTestId('bulk-retry').isDisabled(), false);
  }),
);

test('on a read-only connection the action buttons are disabled with the reason', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page, engine } = web;
    const writable = engine.parts.sessions.current()!.profile.id;
    const saved = await engine.call('connections.save', {
      name: 'watch only',
      target: { url: db.connectionString },
      readOnly: true,
      savePassword: false,
    });
    assert.ok(saved.ok);
    const activated = await engine.call('connections.activate', { id: (saved.data as { id: string }).id });
    assert.ok(activated.ok);
    try {
      await web.open(LIST);
      await page.getByTestId('actions-blocked').getByText('This connection is marked read-only').waitFor();
      assert.equal(await page.getByTestId('bulk-retry').isDisabled(), true);
      assert.equal(await page.getByTestId('bulk-cancel').getAttribute('title'), 'This connection is marked read-only');
      await web.screenshot('jobs-read-only');
    } finally {
      await engine.call('connections.activate', { id: writable });
    }
  }),
);

test('a selected job taken by a worker before the action runs is reported as skipped, with the reason', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await web.open(`${LIST}&errorType=parse_error`);
    const parse = failed.slice(16);
    await page.getByTestId(`job-row-${parse[0]}`).waitFor();
    for (const id of parse.slice(0, 3)) await page.getByTestId(`select-${id}`).check();
    await page.getByTestId('bulk-retry').click();
    await page.getByTestId('action-count').getByText('3 jobs will be touched').waitFor();
    // A worker of another process takes one of them between the confirmation and the action.
    await db.pool.query(
      `update graphile_worker._private_jobs set locked_by = 'pool-7f3a9c', locked_at = now(), attempts = attempts + 1 where id = $1`,
      [parse[1]],
    );
    await page.getByTestId('action-confirm').click();
    await page.getByTestId('action-report').waitFor();
    assert.equal(await page.getByTestId('report-affected').innerText(), '2');
    assert.equal(await page.getByTestId('report-skipped').innerText(), '1');
    assert.match(await page.getByTestId('report-reasons').innerText(), /running in another process \(pool-7f3a9c\).*#\d+/s);
    await web.screenshot('jobs-bulk-report-skipped');
    const row = (
      await db.pool.query<{ attempts: number; max_attempts: number; locked_by: string | null }>(
        'select attempts, max_attempts, locked_by from graphile_worker._private_jobs where id = $1',
        [parse[1]],
      )
    ).rows[0];
    assert.deepEqual(row, { attempts: 4, max_attempts: 3, locked_by: 'pool-7f3a9c' }, 'the job the worker holds is untouched');

    // Its page says plainly that it cannot be stopped there (no companion), and what can be done.
    await page
      .getByTestId('report-reasons')
      .getByRole('link', { name: `#${parse[1]}` })
      .click();
    await page.getByTestId('job-locked-elsewhere').waitFor();
    assert.match(
      await page.getByTestId('job-locked-elsewhere').innerText(),
      /pool-7f3a9c\) without the Jobdeck companion: a running job cannot be stopped there/,
    );
    assert.equal(await page.getByTestId('job-action-cancel').isDisabled(), true);
    assert.equal(await page.getByTestId('job-action-unlock').isDisabled(), false);
    await web.screenshot('job-detail-locked-elsewhere');
  }),
);

test('queue jobs from the console: a bad payload is refused in the form, a batch by key, then one job', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await web.open('#/jobs');
    const count = async () => (await db.pool.query<{ n: number }>('select count(*)::int as n from graphile_worker.jobs')).rows[0].n;
    const before = await count();

    // A payload that is not JSON: said in the form, nothing queued.
    await page.getByTestId('queue-open').click();
    await page.getByTestId('queue-task').fill('generate_insight');
    await page.getByTestId('queue-payload').fill('{"eventId": ');
    await page.getByTestId('queue-submit').click();
    await page.getByTestId('queue-error').getByText('The payload is not JSON').waitFor();
    assert.equal(await count(), before);

    // A job per key: three keys (one given twice), into the summaries queue.
    await page.getByTestId('queue-mode-batch').click();
    await page.getByTestId('queue-task').fill('summarize');
    await page.getByTestId('queue-payload').fill('{"model": "gpt-4o-mini"}');
    await page.getByTestId('queue-key-field').fill('documentId');
    await page.getByTestId('queue-keys').fill('501\n502, 503\n501');
    await page.getByTestId('queue-queue').fill('summaries');
    await web.screenshot('jobs-queue-batch');
    await page.getByTestId('queue-submit').click();
    await page.waitForSelector('.toast >> text=Queued 3 summarize jobs');
    await page.waitForURL(/#\/jobs\?task=summarize/);
    const { rows } = await db.pool.query<{ payload: { documentId: number; model: string }; key: string; queue_name: string }>(
      `select p.payload, j.key, j.queue_name from graphile_worker.jobs j join graphile_worker._private_jobs p using (id)
        where j.key like 'summarize:%' order by j.key`,
    );
    assert.deepEqual(
      rows.map((r) => [r.key, r.payload.documentId, r.payload.model, r.queue_name]),
      [
        ['summarize:501', 501, 'gpt-4o-mini', 'summaries'],
        ['summarize:502', 502, 'gpt-4o-mini', 'summaries'],
        ['summarize:503', 503, 'gpt-4o-mini', 'summaries'],
      ],
    );

    // One job: it opens on its own page.
    await page.getByTestId('queue-open').click();
    await page.getByTestId('queue-mode-one').click();
    await page.getByTestId('queue-task').fill('generate_insight');
    await page.getByTestId('queue-payload').fill('{"eventId": 77}');
    await page.getByTestId('queue-job-key').fill('');
    await page.getByTestId('queue-submit').click();
    await page.waitForURL(/#\/jobs\/\d+$/);
    const id = new URL(page.url()).hash.split('/').pop()!;
    const { rows: one } = await db.pool.query<{ task_identifier: string; payload: unknown }>(
      `select j.task_identifier, p.payload from graphile_worker.jobs j join graphile_worker._private_jobs p using (id) where j.id = $1`,
      [id],
    );
    assert.deepEqual(one, [{ task_identifier: 'generate_insight', payload: { eventId: 77 } }]);
    assert.equal(await count(), before + 4);
  }),
);

test('a job cancelled from its page keeps its payload there, and is queued again from it', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    const [id] = (
      await db.pool.query<{ id: string }>(
        `select id::text from graphile_worker.add_job('summarize', '{"documentId": 4242, "model": "gpt-4o-mini"}'::json, queue_name => 'summaries')`,
      )
    ).rows.map((r) => r.id);
    await web.open(`#/jobs/${id}`);
    await page.getByTestId('job-action-cancel').click();
    await page.getByTestId('action-confirm').click();
    await page.getByTestId('action-report').waitFor();
    assert.match(
      await page.getByTestId('report-outcome').innerText(),
      new RegExp(`^Job #${id} is cancelled: it ends as cancelled and is not retried`),
    );
    await page.getByTestId('action-close').click();
    await page.getByTestId('job-gone').waitFor();
    assert.match(await page.getByTestId('job-payload').innerText(), /"documentId": 4242/);
    await page.getByTestId('job-ended').waitFor();
    await web.screenshot('job-cancelled-payload');

    await page.getByTestId('job-queue-again').click();
    assert.equal(await page.getByTestId('queue-task').inputValue(), 'summarize');
    assert.equal(await page.getByTestId('queue-queue').inputValue(), 'summaries');
    await page.getByTestId('queue-submit').click();
    await page.waitForURL((url) => /#\/jobs\/\d+$/.test(url.hash) && !url.hash.endsWith(`/${id}`));
    const again = new URL(page.url()).hash.split('/').pop()!;
    const { rows } = await db.pool.query<{ task_identifier: string; queue_name: string; payload: unknown }>(
      `select j.task_identifier, j.queue_name, p.payload from graphile_worker.jobs j join graphile_worker._private_jobs p using (id) where j.id = $1`,
      [again],
    );
    assert.deepEqual(rows, [
      { task_identifier: 'summarize', queue_name: 'summaries', payload: { documentId: 4242, model: 'gpt-4o-mini' } },
    ]);
  }),
);

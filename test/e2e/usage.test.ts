import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';
import { waitFor } from '../helpers/engine.ts';

// The Usage view and the job page's usage, in Chromium against web mode: the hosted runner runs tasks that report
// usage through the companion (two priced models, one without a price, failures that cost).

const skip = browserSkipReason();
let db: TestPostgres;
let wc: WebConsole | undefined;
let failedJob = '';

const call = (model: string, inputTokens: number, outputTokens: number, extra: object = {}) => ({
  calls: [{ model, provider: 'openai', inputTokens, outputTokens, timeToFirstTokenMs: 180, ...extra }],
});

before(async () => {
  if (skip) return;
  db = await startTestPostgres();
  wc = await startWebConsole({
    databaseUrl: db.connectionString,
    runner: true,
    concurrency: 4,
    taskDirectory: path.resolve(import.meta.dirname, '../fixtures/companion-kit/task-dir'),
  });
  const add = (payload: object, n = 1, maxAttempts = 1) =>
    db.pool.query(`select graphile_worker.add_job('cd_usage', $1::json, max_attempts => $2) from generate_series(1, $3)`, [
      JSON.stringify(payload),
      maxAttempts,
      n,
    ]);
  await add(call('gpt-4o-mini', 1800, 350), 12);
  await add(call('claude-3-5-haiku', 2400, 600), 6);
  await add(call('in-house-llm', 900, 200), 3);
  const { rows } = await db.pool.query<{ id: string }>(
    `select (graphile_worker.add_job('cd_usage', $1::json, max_attempts => 1)).id::text as id`,
    [
      JSON.stringify({
        ...call('gpt-4o-mini', 2100, 900, { rawOutput: 'Sure! Here is the JSON you asked for: {"summary": "Markets' }),
        fail: 'Invalid JSON in model output: SyntaxError: Unexpected token \'S\', "Sure! Here"... is not valid JSON',
      }),
    ],
  );
  failedJob = rows[0].id;
  await add({ ...call('gpt-4o-mini', 1500, 800), fail: 'Request timeout after 30 seconds' }, 2);
});
after(async () => {
  await wc?.close();
  await db?.close();
});

test(
  'the Usage view: cost and tokens per task and model, what failures burned, no price, CSV; the job page',
  { skip: skip ?? false },
  (t) =>
    traced(t, wc, async (wc) => {
      await waitFor(
        'every attempt in the rollups',
        async () => {
          await wc.engine.parts.history.reader()?.readNow();
          const r = await wc.engine.call('usage.summary', { window: '1h' });
          return r.ok && (r.data as { totals: { attempts: number } }).totals.attempts === 24;
        },
        40_000,
      );
      const page = wc.page;
      await wc.open('#/usage');
      await page.waitForSelector('[data-testid="usage-view"][data-loaded="true"]');
      await page.click('[data-testid="usage-window-1h"]');
      await page.waitForSelector('[data-testid="usage-chart"] .recharts-bar-rectangle');

      const tasks = page.getByTestId('usage-task-table');
      assert.match(await tasks.innerText(), /cd_usage\s+24\s+3\b/);
      assert.equal(await tasks.locator('a').first().getAttribute('href'), '#/jobs?task=cd_usage');
      const models = await page.getByTestId('usage-model-table').innerText();
      assert.match(models, /in-house-llm\s*no price/, 'a model without a price is marked, with its tokens');
      assert.match(models, /gpt-4o-mini/);
      assert.match(models, /claude-3-5-haiku/);
      const failures = await page.getByTestId('usage-failure-table').innerText();
      assert.match(failures, /\$/, 'failed attempts burned money');
      assert.match(failures, /Invalid JSON/);
      assert.doesNotMatch(failures, /\b[a-z]+_[a-z_]+\b/, 'error types by their labels, not their ids');
      assert.match(await page.getByTestId('usage-cost').innerText(), /\$[\d.]+ \+ 3 unpriced/);
      // Their successes count, their cost cannot: the cost per success is a floor, and says so.
      assert.match(await page.getByTestId('usage-per-success').innerText(), /≥ \$[\d.]+\s+at least: 3 attempts have no price/);
      assert.match(await tasks.innerText(), /cd_usage\s.*≥ \$[\d.]+/);
      assert.match(await page.getByTestId('usage-prices').innerText(), /default, check/);

      // The CSV has a row per task, model and error type.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="usage-csv"]')]);
      const csv = await wc.downloaded(download);
      assert.match(csv, /^group,key,attempts/);
      assert.match(csv, /\ntask,cd_usage,24,/);
      assert.match(csv, /\nmodel,in-house-llm,3,3,0,2700,0,600,0,,3\n/);

      await wc.screenshot('usage-1440');
      await page.getByTestId('usage-model-table').scrollIntoViewIfNeeded();
      await wc.screenshot('usage-1440-tables');
      await page.getByTestId('usage-prices').scrollIntoViewIfNeeded();
      await wc.screenshot('usage-1440-prices');
      await page.setViewportSize({ width: 1024, height: 700 });
      await wc.screenshot('usage-1024');
      await page.setViewportSize({ width: 1440, height: 900 });

      // A price for the in-house model: its cost appears, priced from the table.
      await page.getByTestId('price-add').click();
      const row = page.getByTestId('price-row').last();
      await row.getByLabel('Model', { exact: true }).fill('in-house-llm');
      await row.getByLabel('Valid from').fill('2020-01-01');
      await row.getByLabel('Input price', { exact: true }).fill('-1');
      await row.getByLabel('Output price', { exact: true }).fill('4');
      await page.getByTestId('prices-save').click();
      assert.match(await page.getByTestId('prices-error').innerText(), /negative/, 'a negative price is refused, with its reason');
      await row.getByLabel('Input price', { exact: true }).fill('1');
      await page.getByTestId('prices-save').click();
      await waitFor('the in-house model priced', async () => !/no price/.test(await page.getByTestId('usage-model-table').innerText()));

      // A shipped price removed (as a table imported without it would): offered back, and back with a click.
      assert.equal(await page.getByTestId('prices-restore').count(), 0, 'nothing to restore while every shipped model is priced');
      const mini = page.getByTestId('price-row').filter({ has: page.locator('input[value="gpt-4o-mini"]') });
      await mini.getByTitle('Remove this price').click();
      await page.getByTestId('prices-save').click();
      await page.getByTestId('prices-restore').getByText('Restore the built-in price').waitFor();
      await page.getByTestId('prices-restore').click();
      await page.locator('[data-testid="price-row"] input[value="gpt-4o-mini"]').waitFor();
      assert.equal(await page.getByTestId('prices-restore').count(), 0);

      // The job page: the failed attempt's model, tokens, cost, and the raw output beside the error.
      await wc.open(`#/jobs/${failedJob}`);
      await page.waitForSelector('[data-testid="attempt-usage"]');
      assert.match(await page.getByTestId('attempt-usage').innerText(), /gpt-4o-mini[\s\S]*2,100 in[\s\S]*900 out[\s\S]*\$0\.00/);
      await page.getByTestId('attempt-raw-output').locator('summary').click();
      assert.match(await page.getByTestId('attempt-raw-output').innerText(), /Sure! Here is the JSON/);
      await wc.screenshot('usage-job-page');

      // Retrying it shows the estimate before anything runs.
      await page.getByTestId('job-action-retry').click();
      await page.waitForSelector('[data-testid="usage-estimate"]');
      assert.match(await page.getByTestId('usage-estimate').innerText(), /Estimate[\s\S]*tokens[\s\S]*~\$/);
      await wc.screenshot('usage-retry-estimate');
    }),
);

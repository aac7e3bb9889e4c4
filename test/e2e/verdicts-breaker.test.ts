import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/engine.ts';
import { apiErrorMessage, missingFieldsMessage, timeoutMessage } from '../../src/engine/demo/llm-client.ts';
import { QUOTA_MESSAGE } from '../../src/engine/demo/fake-llm.ts';
import type { OpName, OpOutput } from '../../src/shared/contract/index.ts';

// Retry verdicts and the circuit breaker (issue 14, points 3 and 4) as an operator sees them in web mode: jobs of
// the hosted runner fail with the demo's error kinds; their verdicts show on the job rows, the job page, the
// Failures view's types and the Stuck view's groups; a bulk retry offers transient-only and says what it leaves
// out; a breaker is turned on from a task row, trips on a 429 storm and shows it.

const skip = browserSkipReason();
const TASK_DIR = path.resolve(import.meta.dirname, '../fixtures/companion-kit/task-dir');
let db: TestPostgres;
let web: WebConsole | undefined;
const ids: Record<string, string> = {};

async function call<N extends OpName>(name: N, input: unknown): Promise<OpOutput<N>> {
  const result = await web!.engine.call(name, input);
  if (!result.ok) throw new Error(result.error.message);
  return result.data as OpOutput<N>;
}

before(async () => {
  if (skip) return;
  db = await startTestPostgres();
  web = await startWebConsole({ databaseUrl: db.connectionString, runner: true, taskDirectory: TASK_DIR, concurrency: 4 });
  const cases: Record<string, string[]> = {
    quota: [apiErrorMessage(429, QUOTA_MESSAGE), apiErrorMessage(429, QUOTA_MESSAGE)],
    missing: [missingFieldsMessage(['summary']), missingFieldsMessage(['topics'])],
    context: ["This model's maximum context length is 8192 tokens"],
    timeout: [timeoutMessage(30_000)],
  };
  for (const [name, messages] of Object.entries(cases)) {
    const { rows } = await db.pool.query<{ id: string }>(
      `select (graphile_worker.add_job('cd_fail_as', $1::json, max_attempts := 2)).id::text as id`,
      [JSON.stringify({ messages })],
    );
    ids[name] = rows[0].id;
  }
  // A first job of the breaker's task, so graphile-worker knows it.
  await db.pool.query(`select graphile_worker.add_job('cd_fail', '{"message":"not a rate limit"}'::json, max_attempts := 1)`);
  await waitFor(
    'both attempts of each job recorded',
    async () => {
      for (const id of Object.values(ids)) {
        const detail = await call('jobs.get', { id });
        if (detail.state !== 'failed' || detail.attemptsSeen.filter((a) => a.outcome === 'failed').length < 2) return false;
      }
      return true;
    },
    60_000,
  );
});

after(async () => {
  await web?.close();
  await db?.close();
});

test(
  'the verdict shows on job rows, the job page, the Failures types and the Stuck groups; a bulk retry offers transient only',
  { skip: skip ?? false },
  (t) =>
    traced(t, web, async (web) => {
      const { page } = web;
      await web.open('#/jobs?state=failed&task=cd_fail_as');
      const row = (name: string) => page.getByTestId(`job-row-${ids[name]}`);
      await row('quota').getByTestId('verdict-transient').waitFor();
      await row('timeout').getByTestId('verdict-transient').waitFor();
      await row('missing').getByTestId('verdict-permanent').waitFor();
      await row('context').getByTestId('verdict-permanent').waitFor();
      assert.match(
        (await row('missing').getByTestId('verdict-permanent').getAttribute('title')) ?? '',
        /same parse error on all 2 attempts/,
      );

      // A bulk retry by filter: transient only by default, with what it leaves out and why.
      await page.getByTestId('bulk-retry').click();
      await page.getByTestId('verdict-choice').waitFor();
      assert.equal(await page.getByTestId('retry-transient-only').isChecked(), true);
      const leftOut = await page.getByTestId('verdict-left-out').innerText();
      assert.match(leftOut, /1 — Context length: retrying as is won't help/);
      assert.match(leftOut, /1 — the same parse error on every attempt/);
      await page.getByTestId('action-count').getByText('2 jobs will be touched').waitFor();
      await page.getByTestId('action-confirm').click();
      await page.getByTestId('action-report').waitFor();
      assert.equal(await page.getByTestId('report-affected').innerText(), '2');
      assert.equal(await page.getByTestId('report-skipped').innerText(), '2');
      assert.match(await page.getByTestId('report-reasons').innerText(), /not transient: the same parse error on every attempt/);
      await page.getByTestId('action-close').click();

      // What is left is all permanent: the transient-only default would retry none ("Retry 0 jobs"), so it is off.
      await page.getByTestId('bulk-retry').click();
      await page.getByTestId('verdict-choice').waitFor();
      await page.getByTestId('action-count').getByText('2 jobs will be touched').waitFor();
      assert.equal(await page.getByTestId('retry-transient-only').isChecked(), false);
      assert.equal(await page.getByTestId('action-confirm').innerText(), 'Retry 2 jobs');
      assert.equal(await page.getByTestId('action-confirm').isEnabled(), true);
      // The operator's own choice stands.
      await page.getByTestId('retry-transient-only').check();
      await page.getByTestId('action-count').getByText('0 jobs will be touched').waitFor();
      await page.getByRole('button', { name: 'Close' }).click();

      await web.open(`#/jobs/${ids.context}`);
      assert.match(await page.getByTestId('job-verdict').innerText(), /retry won't help.*Context length: retrying as is won't help/s);

      await web.open('#/failures');
      await page.getByTestId('type-bar-rate_limit').getByTestId('verdict-transient').waitFor();
      await page.getByTestId('type-bar-context_length').getByTestId('verdict-permanent').waitFor();

      await web.open('#/stuck');
      await page.getByTestId('failed-cd_fail_as-context_length').getByTestId('verdict-permanent').waitFor();
    }),
);

test('a breaker turned on from the task row trips on a 429 storm and shows it, with when it resumes', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await web.open('#/');
    await page.getByTestId('breaker-task-cd_fail').click();
    const dialog = page.locator('[data-testid="breaker-dialog"][open]');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /works while Jobdeck runs/);
    await dialog.getByTestId('breaker-minAttempts').fill('4');
    await dialog.getByTestId('breaker-save').click();
    await page.getByTestId('breaker-task-cd_fail').getByText('⚡ on').waitFor();
    const set = (await call('control.breaker.get', {})).breakers.find((b) => b.name === 'cd_fail');
    assert.deepEqual(set && [set.enabled, set.minAttempts, set.thresholdPct], [true, 4, 50]);

    await db.pool.query(`select graphile_worker.add_job('cd_fail', $1::json, max_attempts := 1) from generate_series(1, 6)`, [
      JSON.stringify({ message: 'Error code: 429 - Rate limit reached. Please try again in 10m.' }),
    ]);
    const button = page.getByTestId('breaker-task-cd_fail');
    await button.getByText('⚡ tripped').waitFor({ timeout: 30_000 });
    assert.match((await button.getAttribute('title')) ?? '', /rate-limited .*Paused by the breaker until/);
    await page.getByTestId('paused-task-cd_fail').waitFor();
    await web.screenshot('breaker-tripped');
  }),
);

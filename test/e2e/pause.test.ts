import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';
import type { PauseList } from '../../src/shared/model/control.ts';

// Issue 14: pause a task from the overview and see it marked (its row, the sidebar, the counts note, the jobs it
// parked counted apart, the Jobs view), then resume it from the Jobs view; a paced retry's confirmation says when its last job runs.

const skip = browserSkipReason();
let web: WebConsole | undefined;

before(async () => {
  if (skip) return;
  web = await startWebConsole({ demo: true, runner: true, concurrency: 2, depthSampleMs: 1000 });
});
after(async () => {
  await web?.close();
});

const pauses = async (web: WebConsole) => {
  const result = (await web.engine.call('control.list', {})) as { ok: true; data: PauseList };
  assert.ok(result.ok);
  return result.data.pauses;
};

test(
  'pause a task from the overview: marked in its row, the sidebar and the counts; resume from the Jobs view',
  { skip: skip ?? false },
  (t) =>
    traced(t, web, async (web) => {
      const { page } = web;
      await web.open('#/overview');
      const row = page.getByTestId('task-table').locator('tr[data-row="generate_insight"]');
      await row.waitFor({ timeout: 30_000 });
      // The rows move as the demo's counts change (a task whose count reaches 0 leaves the table): a dispatched click
      // reaches the button wherever it is by then, where a pointer click could land on the row that took its place.
      await row.getByTestId('pause-task-generate_insight').dispatchEvent('click');

      await row.getByTestId('paused-task-generate_insight').waitFor();
      await page.getByTestId('nav-paused').getByText('1 paused').waitFor();
      await page.getByTestId('task-table').locator('..').getByText('1 paused').first().waitFor();
      const [paused] = await pauses(web);
      assert.deepEqual([paused.kind, paused.name], ['task', 'generate_insight']);
      await web.screenshot('pause-overview-1440');
      await page.setViewportSize({ width: 1024, height: 700 });
      await web.screenshot('pause-overview-1024');
      await page.setViewportSize({ width: 1440, height: 900 });

      // The jobs the pause parks are counted apart on the Scheduled card (they wait for a resume, not a time), and
      // its link lists exactly them.
      const parked = page.getByTestId('count-scheduled-paused');
      await parked.waitFor({ timeout: 30_000 });
      assert.match(await parked.innerText(), /^\+ [\d,]+ paused$/);
      // So does the task's row, whose figure links to exactly them.
      const rowParked = row.locator('[data-paused-link]').first();
      await rowParked.waitFor({ timeout: 30_000 });
      assert.match(
        decodeURIComponent((await rowParked.getAttribute('href')) ?? ''),
        /task=generate_insight.*runAtFrom=9999-01-01T00:00:00\.000Z/,
      );
      // The depth chart holds them apart as well, with a series of their own.
      await page.getByRole('group', { name: 'Series' }).getByRole('button', { name: 'Paused' }).waitFor({ timeout: 30_000 });
      await parked.click();
      await page.getByTestId('job-table').locator('.badge-paused').first().waitFor({ timeout: 30_000 });
      assert.match(
        decodeURIComponent(page.url()),
        /state=scheduled.*runAtFrom=9999-01-01T00:00:00\.000Z.*runAtTo=9999-01-01T00:00:00\.001Z/,
      );

      // The Jobs view filtered to the task says it is paused, and resumes it.
      await web.open('#/jobs?task=generate_insight');
      const bar = page.getByTestId('jobs-pause-bar');
      await bar.getByText('is paused').waitFor();
      // The demo adds a job of the task every 1.5 s and the pause parks it: the retry below has jobs to pace (with
      // none, the confirmation has no last run to show).
      await page.getByTestId('job-table').locator('.badge-paused').first().waitFor({ timeout: 30_000 });
      await web.screenshot('pause-jobs');
      // A parked job's own page says it waits for the resume, not for the pause's 9999-01-01.
      const parkedRow = page.locator('[data-testid^="job-row-"]', { has: page.locator('.badge-paused') }).first();
      // Its state reads Paused, as the overview counts it, not Scheduled (its run_at is the pause's).
      assert.equal(await parkedRow.locator('[data-parked]').innerText(), 'Paused');
      const parkedId = ((await parkedRow.getAttribute('data-testid')) ?? '').slice('job-row-'.length);
      await web.open(`#/jobs/${parkedId}`);
      await page.getByTestId('job-detail').locator('[data-parked]').getByText('Paused').waitFor();
      assert.match(await page.getByTestId('job-next-run').innerText(), /when its task or queue is resumed/);
      assert.doesNotMatch(await page.getByTestId('job-detail').innerText(), /9999/);
      await web.screenshot('pause-job-detail');
      await web.open('#/jobs?task=generate_insight');
      await bar.getByText('is paused').waitFor();
      await page.getByTestId('job-table').locator('.badge-paused').first().waitFor({ timeout: 30_000 });

      // A paced retry: the confirmation says when the last job will run.
      await page.getByTestId('bulk-retry').click();
      const dialog = page.getByTestId('action-dialog');
      await dialog.getByTestId('retry-paced').check();
      // A slip is said at once and the dialog waits, as typed: never a quiet 1 a minute, never a form thrown away.
      for (const typed of ['0', '-5', '1.5']) {
        await dialog.getByTestId('retry-per-minute').fill(typed);
        await dialog.getByTestId('action-input-problem').getByText('jobs a minute is a whole number from 1 to 1,000,000').waitFor();
        assert.equal(await dialog.getByTestId('action-confirm').isDisabled(), true, `${typed} a minute cannot be sent`);
        assert.equal(await dialog.getByTestId('retry-last-run').count(), 0);
      }
      await dialog.getByTestId('retry-per-minute').fill('2');
      await dialog.getByTestId('retry-last-run').getByText('the last runs at').waitFor();
      assert.equal(await dialog.getByTestId('action-input-problem').count(), 0);
      await dialog.getByTestId('retry-later').check();
      await dialog.getByTestId('retry-at').fill('9999-06-01T00:00');
      await dialog.getByTestId('action-input-problem').getByText('At: a run time must be before 9999-01-01').waitFor();
      assert.equal(await dialog.getByTestId('action-confirm').isDisabled(), true);
      await web.screenshot('retry-dialog-input-problem');
      // Cleared, the field is no time: named, never the hour-later default it started with, unseen.
      await dialog.getByTestId('retry-at').fill('');
      await dialog.getByTestId('action-input-problem').getByText('At: pick a date and time').waitFor();
      assert.equal(await dialog.getByTestId('action-confirm').isDisabled(), true, 'an empty time cannot be sent');
      // A time already past can be sent, and says the jobs are due at once.
      await dialog.getByTestId('retry-at').fill('2001-01-01T10:00');
      await dialog.getByTestId('action-input-note').getByText('this time has passed').waitFor();
      assert.equal(await dialog.getByTestId('action-input-problem').count(), 0);
      assert.equal(await dialog.getByTestId('action-confirm').isDisabled(), false);
      await dialog.getByTestId('retry-now').check();
      await dialog.getByTestId('action-input-problem').waitFor({ state: 'detached' });
      assert.equal(await dialog.getByTestId('action-confirm').isDisabled(), false);
      assert.equal(await dialog.getByTestId('retry-per-minute').inputValue(), '2', 'what was typed is kept');
      await web.screenshot('paced-retry-dialog');
      await dialog.getByRole('button', { name: 'Close' }).click();
      await bar.getByTestId('resume-task-generate_insight').click();
      await bar.getByTestId('pause-task-generate_insight').waitFor();
      assert.deepEqual(await pauses(web), []);
      await page.getByTestId('nav-paused').waitFor({ state: 'detached' });
    }),
);

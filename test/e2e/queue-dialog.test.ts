import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';

// Queuing a job of a task that no live worker with the companion runs: the job is queued, and the operator is told
// at once that it will wait, rather than finding it still Ready an hour later.

const skip = browserSkipReason();
let web: WebConsole | undefined;

before(async () => {
  if (skip) return;
  // The hosted runner reports through the companion: its tasks are the demo's.
  web = await startWebConsole({ demo: true, runner: true, concurrency: 2 });
});
after(async () => {
  await web?.close();
});

test('the Queue jobs dialog warns when no live reporting worker runs the task', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await page.setViewportSize({ width: 1440, height: 900 });
    await web.open('#/jobs');
    const queue = async (task: string) => {
      await page.getByTestId('queue-open').click();
      await page.getByTestId('queue-task').fill(task);
      await page.getByTestId('queue-submit').click();
      await page.getByTestId('queue-dialog').waitFor({ state: 'hidden' });
    };
    // A task the runner runs: queued, no warning.
    await queue('summarize');
    await page.getByTestId('toast-info').first().waitFor();
    assert.equal(await page.getByTestId('toast-warning').count(), 0);
    await web.open('#/jobs');
    await queue('nobody_runs_this');
    const warning = page.getByTestId('toast-warning');
    await warning.waitFor();
    const text = await warning.innerText();
    assert.match(text, /No live worker runs nobody_runs_this/);
    assert.match(text, /with the companion (does not run|runs) nobody_runs_this: the job waits until a worker that runs it starts/);
    // Queued all the same: the job page of the new job is open.
    await page.waitForURL(/#\/jobs\/\d+/);
    await web.screenshot('queue-no-worker-warning');
  }),
);

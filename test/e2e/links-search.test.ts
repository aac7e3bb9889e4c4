import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { traced, type WebConsole } from '../helpers/browser.ts';
import {
  assertFitsWidth,
  assertTopBarApart,
  boxes,
  hash,
  LOOKS,
  lookName,
  search,
  skip,
  startLinksConsole,
  useLook,
  type LinksConsole,
} from './links-kit.ts';
// Issue 15 point 5: find any job from the top bar, at 1440x900 and 1024x700, dark and light.

let links: LinksConsole | undefined;
let wc: WebConsole | undefined;
let waitingId = '';
let completedId = '';

before(async () => {
  if (skip) return;
  links = await startLinksConsole();
  ({ wc, waitingId, completedId } = links);
});
after(async () => {
  await links?.wc.close();
  await links?.db.close();
});

test('find any job: by id, by key, by payload text, and a completed one from the history', { skip: skip ?? false }, (t) =>
  traced(t, wc, async (wc) => {
    const page = wc.page;
    for (const look of LOOKS) {
      const where = lookName(look);
      await useLook(page, look);
      await wc.open('#/overview');
      await assertTopBarApart(page, where);

      // `/` focuses the box when the shortcuts are wired (helper `layout`); a click always does.
      await search(page, waitingId);
      const byId = page.getByTestId(`job-hit-${waitingId}`);
      await byId.waitFor();
      assert.match(await byId.innerText(), /nobody_runs[\s\S]*Ready[\s\S]*by id/);
      const results = (await boxes(page, '[data-testid="job-search-results"]'))[0];
      const input = (await boxes(page, '#job-search'))[0];
      assert.ok(results.y >= input.y + input.height - 1, `${where}: the results open below the box`);
      await assertFitsWidth(page, '[data-testid="job-search-results"]', where);
      await wc.screenshot(`links-search-${where}`);
      await byId.click();
      await page.getByTestId('job-detail').waitFor();
      assert.equal(hash(page), `#/jobs/${waitingId}`);
      // The rest does not depend on the look: checked once (the machine is shared and slow).
      if (look !== LOOKS[0]) continue;

      // An id typed and Enter pressed at once, before any answer: the job opens when the answer comes.
      await wc.open('#/overview');
      const box = page.locator('#job-search');
      await box.click();
      await box.fill(waitingId);
      await box.press('Enter');
      await page.getByTestId('job-detail').waitFor();
      assert.equal(hash(page), `#/jobs/${waitingId}`);

      // The key of a job that completed: graphile-worker forgot it, the history did not.
      await search(page, 'insight:done-9');
      const gone = page.getByTestId(`job-hit-${completedId}`);
      await gone.waitFor();
      assert.match(await gone.innerText(), /hist_ok[\s\S]*Completed \(history\)[\s\S]*by job key/);
      await page.locator('#job-search').press('Enter');
      await page.getByTestId('job-gone').waitFor();
      assert.equal(hash(page), `#/jobs/${completedId}`);
      // A job that left says when it ended, not a run time to come.
      assert.match(await page.getByTestId('job-ended').innerText(), /ago\)$/);
      assert.equal(await page.getByTestId('job-next-run').count(), 0);

      // Payload text, with the text around it.
      await search(page, 'NEEDLE-in');
      const hit = page.getByTestId(`job-hit-${waitingId}`);
      await hit.waitFor();
      assert.match(await hit.innerText(), /by payload[\s\S]*needle-in-payload/);
      await page.locator('#job-search').press('Escape');
      await page.getByTestId('job-search-results').waitFor({ state: 'detached' });

      await search(page, 'no-such-job-anywhere');
      await page.getByText('No job has this id or key').waitFor();
      assert.equal(await page.getByTestId('job-search-names').count(), 0, 'no task or queue is offered for text that names none');
      await page.locator('#job-search').press('Escape');

      // A task's name typed in the box leads to its jobs, not to "no job".
      await search(page, 'NOBODY_RUN');
      const taskLink = page.getByTestId('job-search-task-nobody_runs');
      await taskLink.waitFor();
      assert.equal(await taskLink.innerText(), 'Jobs of task nobody_runs');
      await wc.screenshot('links-search-task-name');
      await taskLink.click();
      await page.getByTestId('job-search-results').waitFor({ state: 'detached' });
      assert.equal(hash(page), '#/jobs?task=nobody_runs');
      assert.equal(await page.locator('#job-search').inputValue(), '', 'the box is cleared once it has led somewhere');
    }
  }),
);

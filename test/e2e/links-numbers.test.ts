import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { traced, type WebConsole } from '../helpers/browser.ts';
import {
  assertApart,
  assertFitsWidth,
  assertTopBarApart,
  boxes,
  hash,
  LOOKS,
  lookName,
  RATE_LIMITS,
  skip,
  startLinksConsole,
  useLook,
  type LinksConsole,
} from './links-kit.ts';
// Issue 15 points 2 and 7: every number outside the overview a link to its list; deep links to Failures' window and task.

let links: LinksConsole | undefined;
let wc: WebConsole | undefined;

before(async () => {
  if (skip) return;
  links = await startLinksConsole();
  wc = links.wc;
});
after(async () => {
  await links?.wc.close();
  await links?.db.close();
});

test('every number is a link: the Failures legend, bars and task rows, Stuck groups, job ids', { skip: skip ?? false }, (t) =>
  traced(t, wc, async (wc) => {
    const page = wc.page;
    for (const look of LOOKS) {
      const where = lookName(look);
      await useLook(page, look);
      // A deep link: the window and the task, opened as the address says.
      await wc.open('#/failures?window=1h&task=hist_fail');
      await page.getByTestId('type-legend').waitFor();
      assert.equal(await page.getByTestId('window-1h').getAttribute('aria-pressed'), 'true');
      await page.getByText('task: hist_fail').waitFor();
      await assertTopBarApart(page, where);
      assertApart(await boxes(page, '[data-testid="type-legend"] li', (i) => `legend item ${i}`), `${where} legend`);
      await assertFitsWidth(page, '[data-testid="type-legend"]', where);
      await wc.screenshot(`links-failures-${where}`);

      // The legend, the bar and the task's mix each open the jobs of that type of that task.
      const legend = page.getByTestId('legend-rate_limit');
      assert.match(await legend.innerText(), new RegExp(`Rate limit\\s+${RATE_LIMITS}\\b`));
      assert.equal(await legend.getAttribute('href'), '#/jobs?task=hist_fail&errorType=rate_limit');
      assert.equal(await page.getByTestId('type-bar-rate_limit').getAttribute('href'), '#/jobs?task=hist_fail&errorType=rate_limit');
      await legend.click();
      await page.locator('[data-testid^="job-row-"]').first().waitFor();
      assert.equal(hash(page), '#/jobs?task=hist_fail&errorType=rate_limit');
      await page
        .getByTestId('match-count')
        .filter({ hasText: `${RATE_LIMITS} jobs` })
        .waitFor();
      assert.equal(await page.locator('[data-testid^="job-row-"]').count(), RATE_LIMITS);

      // Stuck: a failed group's count opens exactly its jobs.
      await wc.open('#/stuck');
      const group = page.getByTestId('failed-count-hist_fail-rate_limit');
      await group.waitFor();
      assert.equal(await group.innerText(), String(RATE_LIMITS));
      await assertTopBarApart(page, `${where} stuck`, false);
      await wc.screenshot(`links-stuck-${where}`);
      await group.click();
      await page.locator('[data-testid^="job-row-"]').first().waitFor();
      assert.equal(hash(page), '#/jobs?task=hist_fail&state=failed&errorType=rate_limit');
      assert.equal(await page.locator('[data-testid^="job-row-"]').count(), RATE_LIMITS);
      // The rest does not depend on the look: checked once.
      if (look !== LOOKS[0]) continue;

      // The task row's failed attempts: that task's jobs waiting to retry or failed.
      await wc.open('#/failures?window=1h');
      const count = page.getByTestId('failure-count-hist_fail');
      await count.click();
      await page.locator('[data-testid^="job-row-"]').first().waitFor();
      assert.equal(hash(page), '#/jobs?task=hist_fail&state=retrying,failed');
      assert.equal(await page.locator('[data-testid^="job-row-"]').count(), RATE_LIMITS + 1);

      // Choosing a task and a window writes them into the address (a link to share), without a new history entry.
      await wc.open('#/failures');
      await page.getByTestId('failure-task-hist_fail').click();
      await page.getByText('task: hist_fail').waitFor();
      await page.getByTestId('window-7d').click();
      await page.waitForFunction(`location.hash.includes('window=7d') && location.hash.includes('task=hist_fail')`);
    }
  }),
);

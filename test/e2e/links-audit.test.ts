import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { traced, type WebConsole } from '../helpers/browser.ts';
import { waitFor } from '../helpers/engine.ts';
import { startWebServer } from '../../src/server/web-server.ts';
import type { AuditEntry } from '../../src/shared/model/audit.ts';
import {
  assertApart,
  assertFitsWidth,
  assertTopBarApart,
  boxes,
  hash,
  LOOKS,
  lookName,
  RATE_LIMITS,
  search,
  skip,
  STATIC_DIR,
  startLinksConsole,
  useLook,
  type LinksConsole,
} from './links-kit.ts';
// Issue 15 points 11 and 7: the audit log in words with links, deep links to an entry and to Usage, a pasted new token.

let links: LinksConsole | undefined;
let wc: WebConsole | undefined;
let waitingId = '';

before(async () => {
  if (skip) return;
  links = await startLinksConsole();
  ({ wc, waitingId } = links);
});
after(async () => {
  await links?.wc.close();
  await links?.db.close();
});

test('the audit log in words, its target a link to the filter, and a deep link to one entry', { skip: skip ?? false }, (t) =>
  traced(t, wc, async (wc) => {
    const page = wc.page;
    const retried = await wc.engine.call('jobs.setPriority', {
      target: { filter: { tasks: ['hist_fail'], errorType: 'rate_limit', states: ['failed'] } },
      priority: 3,
    });
    assert.ok(retried.ok && (retried.data as { affected: number }).affected === RATE_LIMITS, JSON.stringify(retried));
    const entries = await wc.engine.call('audit.list', { limit: 1 });
    assert.ok(entries.ok);
    const entry = (entries.data as AuditEntry[])[0];
    for (const look of LOOKS) {
      const where = lookName(look);
      await useLook(page, look);
      await wc.open('#/audit');
      const words = page.getByTestId(`audit-${entry.id}`).getByTestId('audit-words');
      await words.waitFor();
      assert.equal(
        (await words.innerText()).trim(),
        `changed the priority of ${RATE_LIMITS} jobs of hist_fail where state is permanently failed and error type is rate limit, to priority 3`,
      );
      assert.doesNotMatch(await page.getByTestId('audit-table').innerText(), /[{}]/, 'no JSON in the log');
      await assertTopBarApart(page, `${where} audit`);
      assertApart(await boxes(page, `[data-testid="audit-${entry.id}"] > td`, (i) => `audit cell ${i}`), `${where} audit row`);
      await assertFitsWidth(page, '[data-testid="audit-table"]', where);
      await wc.screenshot(`links-audit-${where}`);
      if (look !== LOOKS[0]) continue;

      // The deep link to an entry the log holds: opened where it is, shown once (not pinned above as well).
      await wc.open(`#/audit/${entry.id}`);
      await page.locator(`[data-testid="audit-${entry.id}"][aria-expanded="true"]`).waitFor();
      assert.equal(await page.getByTestId('audit-pinned').count(), 0);
      assert.equal(await page.getByTestId(`audit-${entry.id}`).count(), 1);
      // One further down than the log holds (here: none of that number) is asked for by itself.
      await wc.open(`#/audit/${entry.id + 1000}`);
      await page.getByText(`No audit entry #${entry.id + 1000}.`).waitFor();
      await wc.open(`#/audit/${entry.id}`);

      await words.getByTestId('audit-target-link').first().click();
      await page.locator('[data-testid^="job-row-"]').first().waitFor();
      assert.equal(hash(page), '#/jobs?state=failed&task=hist_fail&errorType=rate_limit');
      assert.equal(await page.locator('[data-testid^="job-row-"]').count(), RATE_LIMITS);
    }
  }),
);

test('a settings change made in a view is in the audit log in words, linked to where it is set', { skip: skip ?? false }, (t) =>
  traced(t, wc, async (wc) => {
    const page = wc.page;
    await useLook(page, LOOKS[0]);
    await wc.open('#/stuck');
    const toggle = page.getByTestId('auto-recovery');
    await toggle.waitFor();
    const was = await toggle.isChecked();
    await toggle.click();
    await waitFor('the setting saved', async () => {
      const r = await wc.engine.call('recovery.settings', {});
      return r.ok && (r.data as { autoUnlockGone: boolean }).autoUnlockGone === !was ? true : null;
    });
    await wc.open('#/audit');
    const row = page.locator('[data-testid^="audit-"].audit-row').first();
    const words = row.getByTestId('audit-words');
    await words.waitFor();
    assert.equal((await words.innerText()).trim(), `changed automatic recovery: ${was ? 'on → off' : 'off → on'}`);
    await wc.screenshot('links-audit-settings');
    await words.getByTestId('audit-target-link').click();
    await toggle.waitFor();
    assert.equal(hash(page), '#/stuck');
    // Put back: the log now holds both changes.
    await toggle.click();
    await wc.open('#/audit');
    await page
      .locator('.audit-row', { hasText: `changed automatic recovery: ${was ? 'off → on' : 'on → off'}` })
      .first()
      .waitFor();
  }),
);

test('deep links for the Usage window and a pasted new token in the open tab', { skip: skip ?? false }, (t) =>
  traced(t, wc, async (wc) => {
    const page = wc.page;
    await useLook(page, LOOKS[0]);
    await wc.open('#/usage?window=7d&metric=tokens');
    await page.getByTestId('usage-view').waitFor();
    assert.equal(await page.getByTestId('usage-window-7d').getAttribute('aria-pressed'), 'true');
    await page.getByTestId('usage-window-1h').click();
    await page.waitForFunction(`location.hash === '#/usage?window=1h&metric=tokens'`);

    // A restart serves a new token on the same port; pasting its URL into the open tab changes only the fragment.
    const port = wc.server.port;
    await wc.server.close();
    const restarted = await startWebServer({ engine: wc.engine, staticDir: STATIC_DIR, port, token: 'a-new-token-after-a-restart' });
    try {
      wc.server = restarted;
      await page.evaluate(`location.href = 'http://127.0.0.1:${port}/#token=a-new-token-after-a-restart'`);
      // No reload: the same document reads the new token, drops it from the address, and reads again with it.
      await page.waitForFunction(`!location.hash.includes('token=')`);
      await page.waitForSelector('[data-app-state="loaded"]');
      await page.getByTestId('job-search-box').waitFor();
      const status = await page.evaluate(`localStorage.getItem('jobdeck-token:' + location.port)`);
      assert.equal(status, 'a-new-token-after-a-restart');
      await page.locator('.view h1').first().waitFor();
      // Requests with the new token succeed: the search answers.
      await search(page, waitingId);
      await page.getByTestId(`job-hit-${waitingId}`).waitFor();
    } finally {
      await restarted.close();
    }

    // Typed by hand as a view's parameter (`#/workers?token=…`): read the same way, and the view it names is kept.
    const again = await startWebServer({ engine: wc.engine, staticDir: STATIC_DIR, port, token: 'a-token-typed-into-a-view-link' });
    try {
      wc.server = again;
      await page.evaluate(`location.href = 'http://127.0.0.1:${port}/#/workers?token=a-token-typed-into-a-view-link'`);
      // Polled from here: the page's CSP refuses the string waitForFunction polls with while it is not yet true.
      await waitFor('the token taken out of the address', () => hash(page) === '#/workers' || null);
      assert.equal(await page.evaluate(`localStorage.getItem('jobdeck-token:' + location.port)`), 'a-token-typed-into-a-view-link');
      // The view reads with it: its count of live workers is in (a refused token would show the access error instead).
      await page.locator('.workers-view .view-note', { hasText: /\d+ workers? alive/ }).waitFor();
      assert.equal(await page.locator('.workers-view .form-error').count(), 0);
    } finally {
      await again.close();
    }
  }),
);

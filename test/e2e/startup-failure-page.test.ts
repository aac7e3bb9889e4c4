import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import url from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { browserSkipReason } from '../helpers/browser.ts';
import { findChromium, noChromiumMessage } from '../helpers/chromium.ts';
import { StoreMigrationError } from '../../src/engine/index.ts';
import { describeStartupFailure, startupFailureAction, startupFailureQuery } from '../../src/main/startup-failure.ts';

/**
 * The desktop's start-up failure page (resources/startup-failure), as Electron loads it, in Chromium: Electron's
 * binary is often absent, and the page is plain HTML with the console's CSP, so a browser shows it the same way.
 */
const PAGE = path.resolve(import.meta.dirname, '../../resources/startup-failure/index.html');
// Like every browser test: skipped only on purpose; a missing Chromium fails with what to do.
const skip = browserSkipReason() ?? false;

/** The URL `BrowserWindow.loadFile(PAGE, { query })` builds. */
const pageUrl = (query: Record<string, string>) => url.format({ protocol: 'file', slashes: true, pathname: PAGE, query });

async function withPage(run: (page: Page, cspErrors: string[]) => Promise<void>): Promise<void> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(noChromiumMessage());
  const browser: Browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const cspErrors: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspErrors.push(message.text());
    });
    await run(page, cspErrors);
  } finally {
    await browser.close();
  }
}

test('the page says what failed and what to do, as text, under the CSP', { skip }, async () => {
  const file = '/home/op/.config/Jobdeck/jobdeck.sqlite';
  const error = new StoreMigrationError(
    file,
    'newer',
    'This data file was written by a newer Jobdeck <img src=x onerror="document.title=1">',
  );
  const failure = describeStartupFailure(error, { dataDir: path.dirname(file), phase: 'create' });
  await withPage(async (page, cspErrors) => {
    await page.goto(pageUrl(startupFailureQuery(failure)));
    await page.waitForSelector('[data-page-state="ready"]');
    assert.equal(await page.getByTestId('failure-title').textContent(), failure.title);
    assert.equal(await page.title(), failure.title);
    assert.deepEqual(await page.getByTestId('failure-details').locator('li').allTextContents(), failure.details);
    assert.ok((await page.getByTestId('failure-details').textContent())?.includes(file));
    // The message is shown as text: its markup creates no element.
    assert.match((await page.getByTestId('failure-error').textContent()) ?? '', /<img src=x/);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.getByTestId('failure-reveal').isVisible(), true);
    assert.deepEqual(cspErrors, []);

    // Each button asks for a new window: what main's window-open handler gets, and turns into an action.
    for (const [testId, action] of [
      ['failure-reveal', 'reveal'],
      ['failure-quit', 'quit'],
    ] as const) {
      const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByTestId(testId).click()]);
      assert.equal(startupFailureAction(popup.url(), page.url()), action);
      await popup.close();
    }
  });
});

test('without a file to show, the page hides "Show in folder"; without a description, it still says something', { skip }, async () => {
  const failure = describeStartupFailure(new Error('NODE_MODULE_VERSION 115'), { dataDir: '/data', phase: 'create' });
  await withPage(async (page) => {
    await page.goto(pageUrl(startupFailureQuery(failure)));
    await page.waitForSelector('[data-page-state="ready"]');
    assert.equal(await page.getByTestId('failure-reveal').isVisible(), false);
    assert.equal(await page.getByTestId('failure-quit').isVisible(), true);

    await page.goto(pageUrl({ failure: '{not json' }));
    await page.waitForSelector('[data-page-state="ready"]');
    assert.match((await page.getByTestId('failure-summary').textContent()) ?? '', /terminal/);
  });
});

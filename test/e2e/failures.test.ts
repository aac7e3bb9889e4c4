import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTestPostgres, type OwnTestPostgres } from '../helpers/postgres.ts';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';
import { waitFor } from '../helpers/engine.ts';
import { MESSAGES_BY_TYPE } from '../fixtures/history-messages.ts';

const skip = browserSkipReason();
let db: OwnTestPostgres;
let wc: WebConsole | undefined;
const TYPES = Object.keys(MESSAGES_BY_TYPE);
/** A realistic mix: more rate limits and timeouts than the rest. */
const copiesOf = (type: string) => (type === 'rate_limit' ? 6 : type === 'timeout' ? 4 : 1 + (TYPES.indexOf(type) % 2));
const FAILURES = TYPES.reduce((n, t) => n + copiesOf(t), 0);

before(async () => {
  if (skip) return;
  // A cluster of its own: the test stops it.
  db = await startTestPostgres({ ownCluster: true });
  wc = await startWebConsole({
    databaseUrl: db.connectionString,
    runner: true,
    concurrency: 4,
    taskDirectory: path.resolve(import.meta.dirname, '../fixtures/history-tasks'),
  });
  for (const type of TYPES) {
    await db.pool.query(`select graphile_worker.add_job('hist_fail', $1::json, max_attempts => 1) from generate_series(1, $2)`, [
      JSON.stringify({ message: MESSAGES_BY_TYPE[type] }),
      copiesOf(type),
    ]);
  }
  await db.pool.query(`select graphile_worker.add_job('hist_ok', '{"delayMs": 30}'::json) from generate_series(1, 40)`);
});
after(async () => {
  await wc?.close();
  await db?.close();
});

test('the Failures view: charts by type, search, links to the explorer, and offline history', { skip: skip ?? false }, (t) =>
  traced(t, wc, async (wc) => {
    const expected = await waitFor(
      'every job to run',
      async () => {
        const s = await wc.engine.call('history.summary', { window: '1h' });
        if (!s.ok) return null;
        const data = s.data as { failures: number; successes: number };
        return data.successes >= 40 && data.failures >= FAILURES ? data : null;
      },
      40_000,
    );
    const page = wc.page;
    await wc.open('#/failures');
    await page.waitForSelector('[data-testid="type-bars"]');
    await page.waitForSelector('[data-testid="attempt-row"]');
    // The bar of each type shows its count, and opens the explorer filtered to it.
    const rate = page.locator('[data-testid="type-bar-rate_limit"]');
    assert.match(await rate.innerText(), /Rate limit\s+6\b/);
    assert.equal(await rate.getAttribute('href'), '#/jobs?errorType=rate_limit');
    assert.equal(await page.locator('[data-testid^="type-bar-"]').count(), TYPES.length);
    assert.equal(expected.failures, FAILURES);
    assert.match(await page.locator('[data-testid="figure-failures"]').innerText(), new RegExp(`\\b${FAILURES}\\b`));
    // The last hour fills the time axis; a tall viewport puts every panel in the picture.
    await page.click('[data-testid="window-1h"]');
    await page.waitForSelector('[data-testid="type-areas"] .recharts-area');
    await page.waitForSelector('[data-testid="throughput-chart"] .recharts-bar-rectangle');
    await page.setViewportSize({ width: 1440, height: 2400 });
    await wc.screenshot('failures-charts');
    await page.setViewportSize({ width: 1440, height: 900 });

    // Search narrows the list to the JSON errors, rendered as text.
    await page.fill('[data-testid="attempt-search"]', 'JSONDecodeError');
    await page.press('[data-testid="attempt-search"]', 'Enter');
    const rows = page.locator('[data-testid="attempt-row"]');
    await waitFor('only the matching rows', async () => (await rows.count()) === copiesOf('invalid_json'));
    for (const text of await rows.allInnerTexts()) assert.match(text, /Invalid JSON/);
    // Export gives the filtered set as a file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-csv"]')]);
    const csv = (await wc.downloaded(download)).trim().split('\r\n');
    assert.equal(csv.length, 1 + copiesOf('invalid_json'), 'header + the matching attempts');
    assert.ok(csv.slice(1).every((line) => line.includes('invalid_json') && line.includes('JSONDecodeError')));

    // The database goes away: the banner says so, and the history is still all there.
    await db.server.stop();
    await page.waitForSelector('[data-testid="banner-offline"]', { timeout: 20_000 });
    // Leave and come back: the view reads everything again, from SQLite only.
    await page.click('[data-testid="nav-overview"]');
    await page.click('[data-testid="nav-failures"]');
    await page.waitForSelector('[data-testid="history-offline"]', { timeout: 15_000 });
    await page.waitForSelector('[data-testid="type-bar-timeout"]');
    assert.match(await page.locator('[data-testid="type-bar-timeout"]').innerText(), /Timeout\s+4\b/);
    assert.match(await page.locator('[data-testid="banner-offline"]').innerText(), /last snapshot from \d/);
    // Typing in the search scrolled the page; the banner sits under the sticky top bar, at the top.
    await page.evaluate(`document.querySelector('.main')?.scrollTo(0, 0)`);
    await wc.screenshot('failures-offline');
  }),
);

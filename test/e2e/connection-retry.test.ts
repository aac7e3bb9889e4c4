import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';
import { startTestPostgres, type OwnTestPostgres } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/engine.ts';

// The database goes away under an open console: the top bar says so and counts down to the next attempt, as the
// terminal does ("retrying in N s (attempt k)").

const skip = browserSkipReason();
let db: OwnTestPostgres | undefined;
let web: WebConsole | undefined;

before(async () => {
  if (skip) return;
  db = await startTestPostgres({ ownCluster: true });
  web = await startWebConsole({ databaseUrl: db.connectionString, runner: false });
});
after(async () => {
  await web?.close();
  await db?.pool.end().catch(() => {});
  await db?.server.stop().catch(() => {});
  if (db) rmSync(db.tmpDir, { recursive: true, force: true });
});

test('a lost database: the top bar and the banner show "retrying in N s (attempt k)"', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    await web.open('#/overview');
    const page = web.page;
    assert.equal(await page.getByTestId('conn-retry').count(), 0, 'no retry while online');
    await db!.pool.end();
    await db!.server.stop();
    const retry = page.getByTestId('conn-retry');
    await retry.waitFor({ timeout: 60_000 });
    assert.match(await retry.innerText(), /^retrying (in \d+ s|now) \(attempt \d+\)$/);
    // The countdown follows the engine's own schedule: the attempt number grows as the retries fail.
    const attemptOf = async () => Number(/attempt (\d+)/.exec(await retry.innerText())![1]);
    const first = await attemptOf();
    await waitFor('a later attempt', async () => (await attemptOf()) > first, 60_000, 250);
    assert.match(await page.getByTestId('banner-offline').innerText(), /retrying (in \d+ s|now) \(attempt \d+\)/);
    for (const colorScheme of ['dark', 'light'] as const) {
      await page.emulateMedia({ colorScheme });
      await web.screenshot(`connection-retry-1440x900-${colorScheme}`);
    }
  }),
);

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';

// A damaged SQLite file at start: the console comes up on a fresh one and says, at the top of every view, what
// happened, where the damaged file is kept and what the fresh one does not hold.

const skip = browserSkipReason();
let web: WebConsole | undefined;

before(async () => {
  if (skip) return;
  web = await startWebConsole({
    offline: true,
    prepareDataDir: (dir) => {
      writeFileSync(path.join(dir, 'jobdeck.sqlite'), 'not a database\n'.repeat(500));
      writeFileSync(path.join(dir, 'jobdeck.sqlite.created'), JSON.stringify({ createdAt: '2026-11-30T08:00:00.000Z' }));
    },
  });
});
after(async () => {
  await web?.close();
});

test('a damaged data file: a banner names it, where it is kept and what is lost', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    await web.open('#/overview');
    const banner = web.page.getByTestId('banner-store-damaged');
    await banner.waitFor();
    const text = await banner.innerText();
    const [incident] = web.engine.status().store.incidents;
    assert.ok(incident.movedTo && existsSync(incident.movedTo));
    assert.ok(text.includes("Jobdeck's data file was damaged: a fresh one was started"), text);
    assert.ok(text.includes(incident.movedTo), `the kept file is named: ${text}`);
    assert.ok(text.includes('recorded before 2026-11-30 08:00 UTC'), text);
    // Every view shows it: it is about everything Jobdeck keeps.
    await web.open('#/failures');
    await web.page.getByTestId('banner-store-damaged').waitFor();
    await web.screenshot('store-damaged-banner');
  }),
);

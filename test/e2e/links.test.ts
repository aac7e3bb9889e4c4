import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startTestPostgres, type OwnTestPostgres } from '../helpers/postgres.ts';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';
import { waitFor } from '../helpers/engine.ts';
import { startWebServer } from '../../src/server/web-server.ts';
import { MESSAGES_BY_TYPE } from '../fixtures/history-messages.ts';
import type { JobSearch } from '../../src/shared/model/job-search.ts';
import type { AuditEntry } from '../../src/shared/model/audit.ts';

// Issue 15, points 2 (numbers as links outside the overview), 5 (find any job), 7 (deep links, token re-read)
// and 11 (the audit log in words), at both window sizes in both colour schemes.

const skip = browserSkipReason();
let db: OwnTestPostgres;
let wc: WebConsole | undefined;
const RATE_LIMITS = 6;
const STATIC_DIR = path.resolve(import.meta.dirname, '../../out/renderer');

/** The four looks every point is checked in. */
const LOOKS = [
  { width: 1440, height: 900, scheme: 'dark' },
  { width: 1440, height: 900, scheme: 'light' },
  { width: 1024, height: 700, scheme: 'dark' },
  { width: 1024, height: 700, scheme: 'light' },
] as const;
type Look = (typeof LOOKS)[number];
const lookName = (l: Look) => `${l.width}-${l.scheme}`;

let waitingId = '';
let completedId = '';

before(async () => {
  if (skip) return;
  db = await startTestPostgres({ ownCluster: true });
  db.pool.on('error', () => {});
  wc = await startWebConsole({
    databaseUrl: db.connectionString,
    runner: true,
    concurrency: 4,
    taskDirectory: path.resolve(import.meta.dirname, '../fixtures/history-tasks'),
  });
  await db.pool.query(`select graphile_worker.add_job('hist_fail', $1::json, max_attempts => 1) from generate_series(1, $2)`, [
    JSON.stringify({ message: MESSAGES_BY_TYPE.rate_limit }),
    RATE_LIMITS,
  ]);
  await db.pool.query(`select graphile_worker.add_job('hist_fail', $1::json, max_attempts => 1)`, [
    JSON.stringify({ message: MESSAGES_BY_TYPE.timeout }),
  ]);
  // A job no worker runs: it waits, with a key and a payload to be found by.
  const waiting = await db.pool.query<{ id: string }>(
    `select (graphile_worker.add_job('nobody_runs', '{"title": "needle-in-payload", "eventId": 412}'::json, job_key => 'insight:412')).id::text as id`,
  );
  waitingId = waiting.rows[0].id;
  // A job that runs and completes: gone from graphile-worker, found from the history by its id and its key.
  const done = await db.pool.query<{ id: string }>(
    `select (graphile_worker.add_job('hist_ok', '{"delayMs": 10}'::json, job_key => 'insight:done-9')).id::text as id`,
  );
  completedId = done.rows[0].id;
  await waitFor(
    'the failures and the completed job in the history',
    async () => {
      const s = await wc!.engine.call('history.summary', { window: '1h' });
      const found = await wc!.engine.call('jobs.find', { query: 'insight:done-9' });
      const failures = s.ok ? (s.data as { failures: number }).failures : 0;
      return failures >= RATE_LIMITS + 1 && found.ok && (found.data as JobSearch).matches.some((m) => m.id === completedId && m.gone);
    },
    40_000,
  );
});
after(async () => {
  await wc?.close();
  await db?.close();
});

async function useLook(page: Page, look: Look): Promise<void> {
  await page.setViewportSize({ width: look.width, height: look.height });
  await page.emulateMedia({ colorScheme: look.scheme });
}

interface Box {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The boxes of the visible elements a selector matches, named by `name`. */
async function boxes(page: Page, selector: string, name: (i: number) => string = (i) => `${selector}[${i}]`): Promise<Box[]> {
  const out: Box[] = [];
  const all = page.locator(selector);
  for (let i = 0; i < (await all.count()); i++) {
    const b = await all.nth(i).boundingBox();
    if (b && b.width > 0 && b.height > 0) out.push({ name: name(i), ...b });
  }
  return out;
}

/** No two boxes overlap (a pixel of anti-aliasing allowed). */
function assertApart(list: Box[], where: string): void {
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i];
      const b = list[j];
      const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      assert.ok(w <= 1 || h <= 1, `${where}: ${a.name} and ${b.name} overlap (${JSON.stringify(a)} / ${JSON.stringify(b)})`);
    }
  }
}

/** The page does not scroll sideways, and `selector` lies within the window's width. */
async function assertFitsWidth(page: Page, selector: string, where: string, wholePage = true): Promise<void> {
  // A string: this file is typed for Node, the function runs in the page.
  const sideways = await page.evaluate<{ doc: number; main: number }>(`(() => {
    const main = document.querySelector('.main');
    return {
      doc: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      main: main ? main.scrollWidth - main.clientWidth : 0,
    };
  })()`);
  if (wholePage) assert.ok(sideways.doc <= 1 && sideways.main <= 1, `${where}: scrolls sideways ${JSON.stringify(sideways)}`);
  const width = page.viewportSize()!.width;
  for (const b of await boxes(page, selector)) {
    assert.ok(b.x >= 0 && b.x + b.width <= width + 1, `${where}: ${selector} goes past the window (${JSON.stringify(b)}, width ${width})`);
  }
}

/** The top bar's parts, search box included, side by side without overlap. */
/** `wholePage`: also that the view does not scroll sideways (the Stuck tables' fit at 1024 is helper layout's). */
async function assertTopBarApart(page: Page, where: string, wholePage = true): Promise<void> {
  const parts = await boxes(page, '.topbar > *', (i) => `top bar part ${i}`);
  assert.ok(parts.length >= 3, `${where}: the top bar shows its parts (${parts.length})`);
  assertApart(parts, `${where} top bar`);
  await assertFitsWidth(page, '#job-search', where, wholePage);
}

const hash = (page: Page) => decodeURIComponent(new URL(page.url()).hash);

async function search(page: Page, text: string): Promise<void> {
  const box = page.locator('#job-search');
  await box.click();
  await box.fill(text);
  await page
    .locator('[data-testid="job-search-results"] [role="listbox"], [data-testid="job-search-results"] .job-search-note')
    .first()
    .waitFor();
}

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

      // The key of a job that completed: graphile-worker forgot it, the history did not.
      await search(page, 'insight:done-9');
      const gone = page.getByTestId(`job-hit-${completedId}`);
      await gone.waitFor();
      assert.match(await gone.innerText(), /hist_ok[\s\S]*Completed \(history\)[\s\S]*by job key/);
      await page.locator('#job-search').press('Enter');
      await page.getByTestId('job-gone').waitFor();
      assert.equal(hash(page), `#/jobs/${completedId}`);

      // Payload text, with the text around it.
      await search(page, 'NEEDLE-in');
      const hit = page.getByTestId(`job-hit-${waitingId}`);
      await hit.waitFor();
      assert.match(await hit.innerText(), /by payload[\s\S]*needle-in-payload/);
      await page.locator('#job-search').press('Escape');
      await page.getByTestId('job-search-results').waitFor({ state: 'detached' });

      await search(page, 'no-such-job-anywhere');
      await page.getByText('No job has this id or key').waitFor();
      await page.locator('#job-search').press('Escape');
    }
  }),
);

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

      // The deep link to the entry: shown on its own above the log, opened.
      await wc.open(`#/audit/${entry.id}`);
      await page.getByTestId('audit-pinned').waitFor();
      assert.match(await page.getByTestId('audit-pinned').innerText(), /changed the priority of/);

      await words.getByTestId('audit-target-link').first().click();
      await page.locator('[data-testid^="job-row-"]').first().waitFor();
      assert.equal(hash(page), '#/jobs?state=failed&task=hist_fail&errorType=rate_limit');
      assert.equal(await page.locator('[data-testid^="job-row-"]').count(), RATE_LIMITS);
    }
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
  }),
);

import assert from 'node:assert/strict';
import { assertApart, boxes } from '../helpers/boxes.ts';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startTestPostgres, type OwnTestPostgres } from '../helpers/postgres.ts';
import { browserSkipReason, startWebConsole, type WebConsole } from '../helpers/browser.ts';
import { waitFor } from '../helpers/engine.ts';
import { MESSAGES_BY_TYPE } from '../fixtures/history-messages.ts';
import type { JobSearch } from '../../src/shared/model/job-search.ts';

// What the browser tests of issue 15's points 2, 5, 7 and 11 share (links-*.test.ts): one console with a runner,
// seeded with failures, a waiting job and a completed one; the four looks; bounding-box checks.

export const skip = browserSkipReason();
export const RATE_LIMITS = 6;
export const STATIC_DIR = path.resolve(import.meta.dirname, '../../out/renderer');

/** The four looks every point is checked in. */
export const LOOKS = [
  { width: 1440, height: 900, scheme: 'dark' },
  { width: 1440, height: 900, scheme: 'light' },
  { width: 1024, height: 700, scheme: 'dark' },
  { width: 1024, height: 700, scheme: 'light' },
] as const;
export type Look = (typeof LOOKS)[number];
export const lookName = (l: Look) => `${l.width}-${l.scheme}`;

export interface LinksConsole {
  db: OwnTestPostgres;
  wc: WebConsole;
  /** A job of a task no worker runs: it waits, with the key insight:412 and "needle-in-payload" in its payload. */
  waitingId: string;
  /** A job that ran and completed, with the key insight:done-9: known only to the history. */
  completedId: string;
}

/** Starts the console and seeds it; the caller closes `wc` and `db`. */
export async function startLinksConsole(): Promise<LinksConsole> {
  const db = await startTestPostgres({ ownCluster: true });
  const wc = await startWebConsole({
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
  const waitingId = waiting.rows[0].id;
  // A job that runs and completes: gone from graphile-worker, found from the history by its id and its key.
  const done = await db.pool.query<{ id: string }>(
    `select (graphile_worker.add_job('hist_ok', '{"delayMs": 10}'::json, job_key => 'insight:done-9')).id::text as id`,
  );
  const completedId = done.rows[0].id;
  await waitFor(
    'the failures and the completed job in the history',
    async () => {
      const s = await wc.engine.call('history.summary', { window: '1h' });
      const found = await wc.engine.call('jobs.find', { query: 'insight:done-9' });
      const failures = s.ok ? (s.data as { failures: number }).failures : 0;
      return failures >= RATE_LIMITS + 1 && found.ok && (found.data as JobSearch).matches.some((m) => m.id === completedId && m.gone);
    },
    40_000,
  );
  return { db, wc, waitingId, completedId };
}

export async function useLook(page: Page, look: Look): Promise<void> {
  await page.setViewportSize({ width: look.width, height: look.height });
  await page.emulateMedia({ colorScheme: look.scheme });
}

export { assertApart, boxes, type Box } from '../helpers/boxes.ts';

/** The page does not scroll sideways, and `selector` lies within the window's width. */
export async function assertFitsWidth(page: Page, selector: string, where: string, wholePage = true): Promise<void> {
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
export async function assertTopBarApart(page: Page, where: string, wholePage = true): Promise<void> {
  const parts = await boxes(page, '.topbar > *', (i) => `top bar part ${i}`);
  assert.ok(parts.length >= 3, `${where}: the top bar shows its parts (${parts.length})`);
  assertApart(parts, `${where} top bar`);
  await assertFitsWidth(page, '#job-search', where, wholePage);
}

export const hash = (page: Page) => decodeURIComponent(new URL(page.url()).hash);

export async function search(page: Page, text: string): Promise<void> {
  const box = page.locator('#job-search');
  await box.click();
  await box.fill(text);
  await page
    .locator('[data-testid="job-search-results"] [role="listbox"], [data-testid="job-search-results"] .job-search-note')
    .first()
    .waitFor();
}

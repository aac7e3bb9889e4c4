import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { overlaps, type Box } from '../helpers/boxes.ts';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';
import { waitFor } from '../helpers/engine.ts';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { rule, seedShop } from '../integration/backfill-scenario.ts';
import { scriptArgs } from '../helpers/scripts.ts';

// The Cron view on a database with two crontabs: this console's (a backfill rule on a schedule, run by the hosted
// runner) and another worker's (plain graphile-worker, ticking every minute), whose entry only graphile-worker's
// own record tells the console about.

const skip = browserSkipReason();
let db: TestPostgres | undefined;
let web: WebConsole | undefined;
let taskDir: string | undefined;
let other: ChildProcess | undefined;

before(async () => {
  if (skip) return;
  db = await startTestPostgres();
  await seedShop(db.pool);
  taskDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-cron-e2e-'));
  writeFileSync(path.join(taskDir, 'enrich_product.js'), 'module.exports = async () => {};');
  web = await startWebConsole({ databaseUrl: db.connectionString, runner: true, taskDirectory: taskDir });
  other = spawn(process.execPath, scriptArgs('test/fixtures/cron-worker.ts'), {
    env: {
      ...process.env,
      CRON_WORKER: JSON.stringify({ connectionString: db.connectionString, crontab: '* * * * * nightly_report ?id=nightly' }),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
});
after(async () => {
  if (other && other.exitCode === null) {
    const exited = new Promise((resolve) => other!.once('exit', resolve));
    other.kill('SIGTERM');
    await exited;
  }
  await web?.close();
  await db?.close();
  if (taskDir) rmSync(taskDir, { recursive: true, force: true });
});

/** The box of what a locator finds, named for the assertion messages. */
async function boxOf(locator: Locator, name: string): Promise<Box> {
  const box = await locator.boundingBox();
  assert.ok(box, `${name} is visible`);
  return { ...box, name };
}

/** Every visible cell and its content, the view's head, the nav and the top bar: their boxes. */
async function layoutBoxes(page: Page) {
  const rows: { cell: Box; content: Box[] }[][] = [];
  const trs = page.locator('[data-testid="cron-table"] tr');
  for (let i = 0; i < (await trs.count()); i++) {
    const cells = trs.nth(i).locator(':scope > :is(td, th):visible');
    const row: { cell: Box; content: Box[] }[] = [];
    for (let j = 0; j < (await cells.count()); j++) {
      const children = cells.nth(j).locator(':scope > *:visible');
      const content: Box[] = [];
      for (let k = 0; k < (await children.count()); k++) content.push(await boxOf(children.nth(k), `row ${i} cell ${j} child ${k}`));
      row.push({ cell: await boxOf(cells.nth(j), `row ${i} cell ${j}`), content });
    }
    rows.push(row);
  }
  const [scrollWidth, clientWidth] = await page.evaluate<number[]>(
    '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
  );
  return {
    rows,
    nav: await boxOf(page.locator('nav.nav'), 'nav'),
    topbar: await boxOf(page.locator('.topbar'), 'topbar'),
    head: await boxOf(page.locator('.cron-view .view-head'), 'view head'),
    table: await boxOf(page.getByTestId('cron-table'), 'table'),
    scroll: { width: scrollWidth, client: clientWidth },
  };
}

const SIZES = [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
] as const;

test(
  "the Cron view lists the backfill schedule with its next run and the other worker's entry with its last run, without overlap",
  { skip: skip ?? false },
  (t) =>
    traced(t, web, async (web) => {
      const saved = await web.engine.call('backfill.save', { rule: rule({ name: 'Enrich products', scheduleMinutes: 5 }) });
      assert.ok(saved.ok);
      const backfillId = `jobdeck_backfill_${(saved.data as { id: string }).id}`;
      await waitFor(
        "the other worker's first tick and the backfill entry",
        async () => {
          const { rows } = await db!.pool.query<{ identifier: string; last_execution: Date | null }>(
            'select identifier, last_execution from graphile_worker._private_known_crontabs',
          );
          return rows.some((r) => r.identifier === 'nightly' && r.last_execution) && rows.some((r) => r.identifier === backfillId);
        },
        120_000,
        500,
      );
      await web.open('#/cron');
      const page = web.page;
      await page.getByTestId('nav-cron').waitFor();
      assert.equal(await page.getByTestId('nav-cron').getAttribute('aria-current'), 'page');
      const backfill = page.locator(`[data-testid="cron-row"][data-identifier="${backfillId}"]`);
      const nightly = page.locator('[data-testid="cron-row"][data-identifier="nightly"]');
      await backfill.waitFor();
      await nightly.waitFor();
      assert.equal(await page.getByTestId('cron-row').count(), 2);
      // The backfill schedule: its rule by name (a link to Backfill), its schedule, and a next run in the future.
      assert.match(await backfill.innerText(), /backfill “Enrich products”/);
      // The link opens that rule (it opened the Backfill view on whichever rule came first).
      assert.equal(
        await backfill.locator('a.cron-task').getAttribute('href'),
        `#/backfill/${backfillId.slice('jobdeck_backfill_'.length)}`,
      );
      assert.match(await backfill.locator('.cron-schedule').innerText(), /^\*\/5 \* \* \* \*$/);
      assert.match(await backfill.getByTestId('cron-next').innerText(), /in \d+ (s|min)$/);
      assert.match(await backfill.locator('.cron-source').innerText(), /Backfill schedule/);
      // The other worker's entry: its last run in the past, no schedule, and why no next run.
      assert.match(await nightly.getByTestId('cron-last').innerText(), /(\d+ (s|min)|now) ago$/);
      assert.match(await nightly.locator('.cron-source').innerText(), /Another worker/);
      assert.match(await nightly.getByTestId('cron-next-note').innerText(), /another worker's crontab/);

      for (const size of SIZES) {
        await page.setViewportSize(size);
        for (const colorScheme of ['dark', 'light'] as const) {
          await page.emulateMedia({ colorScheme });
          const boxes = await layoutBoxes(page);
          const where = `${size.width}x${size.height} ${colorScheme}`;
          assert.ok(boxes.scroll.width <= boxes.scroll.client, `no sideways scrolling at ${where}: ${JSON.stringify(boxes.scroll)}`);
          assert.ok(!overlaps(boxes.nav, boxes.table), `the table clears the nav at ${where}`);
          assert.ok(!overlaps(boxes.topbar, boxes.head), `the view's head clears the top bar at ${where}`);
          assert.ok(boxes.table.x + boxes.table.width <= size.width, `the table fits the window at ${where}`);
          for (const row of boxes.rows) {
            for (let i = 0; i < row.length; i++) {
              for (let j = i + 1; j < row.length; j++)
                assert.ok(!overlaps(row[i].cell, row[j].cell), `${row[i].cell.name} / ${row[j].cell.name} at ${where}`);
              // Each cell's content stays inside its cell: nothing spills over the next column.
              for (const content of row[i].content) {
                assert.ok(
                  content.x >= row[i].cell.x - 0.5 && content.x + content.width <= row[i].cell.x + row[i].cell.width + 0.5,
                  `${content.name} inside its cell at ${where}`,
                );
              }
            }
          }
          await web.screenshot(`cron-${size.width}x${size.height}-${colorScheme}`);
        }
      }
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.setViewportSize(SIZES[0]);
    }),
);

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';
import { box, boxesApart, seedTrouble, snapshotWithTrouble, text, visit } from './overview-seed.ts';

const skip = browserSkipReason();
let db: TestPostgres;
let wc: WebConsole | undefined;

before(async () => {
  if (skip) return;
  db = await startTestPostgres();
  await seedTrouble(db.pool);
  wc = await startWebConsole({ databaseUrl: db.connectionString, runner: false });
});
after(async () => {
  await wc?.close();
  await db?.close();
});

for (const [width, height] of [
  [1440, 900],
  [1024, 700],
] as const) {
  for (const scheme of ['dark', 'light'] as const) {
    test(`trouble first at ${width}x${height} (${scheme}): panel above the cards, badges, nothing overlaps`, { skip: skip ?? false }, (t) =>
      traced(t, wc, async (wc) => {
        const snap = await snapshotWithTrouble(wc);
        const { page } = wc;
        await page.setViewportSize({ width, height });
        await page.emulateMedia({ colorScheme: scheme });
        await visit(wc, '#/overview');
        await page.getByTestId('trouble-stuck').waitFor({ timeout: 30_000 });

        // Each problem with its count.
        assert.match(await text(page, 'trouble-stuck'), /^3\b[\s\S]*3 jobs stuck/);
        assert.match(await text(page, 'trouble-gone'), /^3\b[\s\S]*3 jobs held by a gone worker/);
        assert.match(await text(page, 'trouble-no-worker-ot_orphan'), /^5\b[\s\S]*5 due jobs of ot_orphan, no worker/);
        assert.match(await text(page, 'trouble-blocked-queue-ot-lane'), /^1\b[\s\S]*Queue ot-lane blocked/);
        // Out of attempts: the permanently failed job is listed (never "nothing needs attention" over it).
        assert.match(await text(page, 'trouble-out-of-attempts'), /^1\b[\s\S]*1 job out of attempts[\s\S]*ot_dead 1/);
        // The sidebar: a badge on Stuck (stuck jobs + due jobs nobody runs + jobs behind blocked queues), none on Failures.
        assert.equal(await text(page, 'nav-stuck-badge'), String(snap.trouble!.stuckBadge));
        assert.equal(await page.getByTestId('nav-failures-badge').count(), 0);

        // Running counts only live workers' jobs; the gone pool's are counted apart. Ready holds the due retries.
        assert.equal(await text(page, 'count-running-value'), '0');
        assert.match(await text(page, 'count-running-gone'), /\+ 3 on gone workers/);
        assert.equal(await text(page, 'count-ready-value'), String(3 + 2 + 1));
        assert.match(await text(page, 'count-ready-due-retries'), /4 new · 2 due \(retry\)/);
        assert.equal(await text(page, 'count-retrying-value'), '1');
        assert.match(await text(page, 'figures-rule'), /Ready counts every job due now/);
        // The oldest due jobs were due 5 minutes before the file started (the wait grows while it runs); the takes
        // the monitor saw waited 5 minutes (run_at 45 min ago, locked 40 min ago).
        const minutes = (s: string) => Number(/(\d+) min/.exec(s)?.[1] ?? NaN);
        const latency = await text(page, 'latency-summary');
        assert.ok(minutes(latency) >= 5, latency);
        assert.match(latency, /p50 5 min · p95 5 min over 3 takes seen/);
        const orphan = page.locator('[data-testid="task-table"] tr[data-row="ot_orphan"]');
        assert.ok(minutes(await orphan.locator('[data-col="oldest-due"]').innerText()) >= 5);
        assert.equal(
          (await page.locator('[data-testid="task-table"] tr[data-row="ot_held"] [data-col="wait"]').innerText()).trim(),
          '5 min · 5 min',
        );

        // Positions: the panel sits above the cards; items, cards and nav entries do not overlap.
        const panel = await box(page, '[data-testid="trouble-panel"]');
        const cards = await boxesApart(page, '.state-card', 'state cards');
        assert.ok(panel.y + panel.height <= Math.min(...cards.map((c) => c.y)), 'the trouble panel is above the counts');
        await boxesApart(page, '.trouble-item', 'trouble items');
        await boxesApart(page, '.nav-link', 'nav links');
        const badge = await box(page, '[data-testid="nav-stuck-badge"]');
        const stuckLink = await box(page, '[data-testid="nav-stuck"]');
        assert.ok(badge.x >= stuckLink.x && badge.x + badge.width <= stuckLink.x + stuckLink.width + 0.5, 'the badge sits inside its link');
        const rule = await box(page, '[data-testid="figures-rule"]');
        assert.ok(rule.y >= Math.max(...cards.map((c) => c.y + c.height)) - 0.5, 'the rule is under the cards');
        for (const c of cards) assert.ok(c.x + c.width <= width + 0.5, 'no card runs off the window');
        // The counts table's cells do not overlap each other (the mix bar goes first in narrow windows).
        await boxesApart(page, '[data-testid="task-table"] tr[data-row="ot_orphan"] td', 'task row cells');
        await wc.screenshot(`overview-trouble-${width}x${height}-${scheme}`);
        await page.getByTestId('queue-table').scrollIntoViewIfNeeded();
        await wc.screenshot(`overview-trouble-tables-${width}x${height}-${scheme}`);
      }),
    );
  }
}

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueryResultRow } from 'pg';
import type { Page } from 'playwright-core';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';
import { waitFor } from '../helpers/engine.ts';
import { profileIdForUrl } from '../../src/engine/pg/connection-string.ts';
import type { OverviewSnapshot } from '../../src/shared/model/overview.ts';
import type { HistorySummary } from '../../src/shared/model/history.ts';

const skip = browserSkipReason();
let db: TestPostgres;
let wc: WebConsole | undefined;
const q = <R extends QueryResultRow>(sql: string) => db.pool.query<R>(sql).then((r) => r.rows);

before(async () => {
  if (skip) return;
  db = await startTestPostgres();
  // Trouble of every kind, with known timings, as crashed workers and time leave it.
  // A pool gone 40 minutes ago (no companion: judged from its lock age) holds 3 jobs of ot_held, one of them in the
  // named queue ot-lane, whose lock it holds too, with one job waiting behind it.
  await q(`select graphile_worker.add_job('ot_held', '{}'::json, job_key => 'held-' || i) from generate_series(1, 2) i`);
  await q(`select graphile_worker.add_job('ot_held', '{}'::json, queue_name => 'ot-lane', job_key => 'front')`);
  await q(
    `select graphile_worker.add_job('ot_held', '{}'::json, queue_name => 'ot-lane', job_key => 'behind', run_at => now() - interval '2 minutes')`,
  );
  await q(
    `update graphile_worker._private_jobs set locked_by = 'pool-90ne0e2e', attempts = 1, locked_at = now() - interval '40 minutes',
            run_at = now() - interval '45 minutes' where key like 'held-%' or key = 'front'`,
  );
  await q(
    `update graphile_worker._private_job_queues set locked_by = 'pool-90ne0e2e', locked_at = now() - interval '40 minutes' where queue_name = 'ot-lane'`,
  );
  // A task no worker runs: 3 due for 5 minutes, and 2 retries due for a minute (due (retry)), 1 not due yet.
  await q(`select graphile_worker.add_job('ot_orphan', '{}'::json, run_at => now() - interval '5 minutes') from generate_series(1, 3)`);
  await q(`select graphile_worker.add_job('ot_orphan', '{}'::json, job_key => 'retry-' || i) from generate_series(1, 3) i`);
  await q(
    `update graphile_worker._private_jobs set attempts = 1, last_error = 'Error: timeout', run_at = now() - interval '1 minute' where key in ('retry-1', 'retry-2')`,
  );
  await q(
    `update graphile_worker._private_jobs set attempts = 1, last_error = 'Error: timeout', run_at = now() + interval '30 minutes' where key = 'retry-3'`,
  );
  // Permanently failed, and a row whose created_at is a little ahead of the viewer's clock.
  await q(`select graphile_worker.add_job('ot_dead', '{}'::json, max_attempts => 2, job_key => 'dead')`);
  await q(
    `update graphile_worker._private_jobs set attempts = 2, last_error = 'Error: gave up', run_at = now() + interval '2 minutes' where key = 'dead'`,
  );
  await q(`select graphile_worker.add_job('ot_fresh', '{}'::json, run_at => now() + interval '1 hour', job_key => 'fresh')`);
  await q(`update graphile_worker._private_jobs set created_at = now() + interval '10 minutes' where key = 'fresh'`);
  wc = await startWebConsole({ databaseUrl: db.connectionString, runner: false });
});
after(async () => {
  await wc?.close();
  await db?.close();
});

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;

/** The boxes of every element matching `selector`, none overlapping another; returns them. */
async function boxesApart(page: Page, selector: string, what: string): Promise<Box[]> {
  const boxes = (await Promise.all((await page.locator(selector).all()).map((l) => l.boundingBox()))).filter((b): b is Box => b !== null);
  assert.ok(boxes.length > 0, `${what}: nothing matches ${selector}`);
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++)
      assert.ok(!overlaps(boxes[i], boxes[j]), `${what} ${i} and ${j} overlap: ${JSON.stringify([boxes[i], boxes[j]])}`);
  return boxes;
}

const box = async (page: Page, selector: string): Promise<Box> => {
  const b = await page.locator(selector).first().boundingBox();
  assert.ok(b, `${selector} is not on screen`);
  return b;
};

/** The engine's latest snapshot once its trouble summary has found the gone pool. */
const snapshotWithTrouble = () =>
  waitFor(
    'the trouble summary',
    async () => {
      const r = (await wc!.engine.call('overview.get', {})) as { ok: true; data: OverviewSnapshot | null };
      return r.data?.trouble?.gonePools.includes('pool-90ne0e2e') ? r.data : null;
    },
    30_000,
  );

const text = async (page: Page, testId: string) => (await page.getByTestId(testId).innerText()).trim();
const hashOf = (page: Page) => decodeURIComponent(new URL(page.url()).hash);

for (const [width, height] of [
  [1440, 900],
  [1024, 700],
] as const) {
  for (const scheme of ['dark', 'light'] as const) {
    test(`trouble first at ${width}x${height} (${scheme}): panel above the cards, badges, nothing overlaps`, { skip: skip ?? false }, (t) =>
      traced(t, wc, async (wc) => {
        const snap = await snapshotWithTrouble();
        const { page } = wc;
        await page.setViewportSize({ width, height });
        await page.emulateMedia({ colorScheme: scheme });
        await wc.open('#/overview');
        await page.getByTestId('trouble-stuck').waitFor({ timeout: 30_000 });

        // Each problem with its count.
        assert.match(await text(page, 'trouble-stuck'), /^3\b[\s\S]*3 jobs stuck/);
        assert.match(await text(page, 'trouble-gone'), /^3\b[\s\S]*3 jobs held by a gone worker/);
        assert.match(await text(page, 'trouble-no-worker-ot_orphan'), /^5\b[\s\S]*5 due jobs of ot_orphan, no worker/);
        assert.match(await text(page, 'trouble-blocked-queue-ot-lane'), /^1\b[\s\S]*Queue ot-lane blocked/);
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

test('the overview numbers and trouble items open the right filtered lists', { skip: skip ?? false }, (t) =>
  traced(t, wc, async (wc) => {
    await snapshotWithTrouble();
    const { page } = wc;
    await page.setViewportSize({ width: 1440, height: 900 });
    const rowsShown = async (n: number) => {
      await waitFor(`${n} rows in the list`, async () => (await page.locator('[data-testid^="job-row-"]').count()) === n);
    };
    const params = () => new URLSearchParams(hashOf(page).split('?')[1] ?? '');

    // The Ready card: due now, due retries included.
    await wc.open('#/overview');
    await page.getByTestId('count-ready-link').click();
    await page.waitForURL(/#\/jobs\?/);
    assert.equal(params().get('state'), 'ready,retrying');
    assert.ok(params().get('runAtTo'));
    await rowsShown(6);
    assert.equal(await page.locator('.state-badge', { hasText: 'Due (retry)' }).count(), 2);

    // Waiting to retry: only the retry not due yet.
    await wc.open('#/overview');
    await page.getByTestId('count-retrying-link').click();
    await page.waitForURL(/#\/jobs\?/);
    assert.equal(params().get('state'), 'retrying');
    await rowsShown(1);

    // A task row's Ready figure, and a queue row's total.
    await wc.open('#/overview');
    await page.locator('[data-testid="task-table"] tr[data-row="ot_orphan"] a[data-state="ready"]').click();
    await page.waitForURL(/#\/jobs\?/);
    assert.equal(params().get('task'), 'ot_orphan');
    assert.equal(params().get('state'), 'ready,retrying');
    await rowsShown(5);
    await wc.open('#/overview');
    await page.locator('[data-testid="queue-table"] tr[data-row="ot-lane"] a[data-state="total"]').click();
    await page.waitForURL(/#\/jobs\?/);
    assert.equal(params().get('queue'), 'ot-lane');
    assert.equal(params().get('state'), null);
    await rowsShown(2);

    // The Failed card: the permanently failed job runs no more, and no row says "Created in …".
    await wc.open('#/overview');
    await page.getByTestId('count-failed-link').click();
    await page.waitForURL(/#\/jobs\?state=failed/);
    await rowsShown(1);
    assert.match(await page.locator('[data-testid^="job-row-"]').innerText(), /no further run/);
    await wc.screenshot('overview-link-failed-list');
    await wc.open('#/jobs?task=ot_fresh');
    await rowsShown(1);
    const created = (await page.locator('[data-testid^="job-row-"] > span:last-child').innerText()).trim();
    assert.equal(created, 'just now', 'a creation time ahead of the viewer’s clock never reads "in …"');

    // Trouble items: a task nobody runs opens its due jobs; stuck opens the Stuck view.
    await wc.open('#/overview');
    await page.getByTestId('trouble-no-worker-ot_orphan').click();
    await page.waitForURL(/#\/jobs\?/);
    assert.equal(params().get('task'), 'ot_orphan');
    await rowsShown(5);
    await wc.open('#/overview');
    await page.getByTestId('trouble-stuck').click();
    await page.waitForURL(/#\/stuck$/);
    await page.getByTestId('nav-stuck-badge').waitFor();
  }),
);

test('a permanently failed job shows no future run on its page', { skip: skip ?? false }, (t) =>
  traced(t, wc, async (wc) => {
    const [dead] = await q<{ id: string }>(`select id::text from graphile_worker._private_jobs where key = 'dead'`);
    await wc.open(`#/jobs/${dead.id}`);
    const next = await wc.page.getByTestId('job-next-run').innerText();
    assert.match(next, /no further run/);
    assert.doesNotMatch(next, /\bin \d/);
  }),
);

test('the Failures view shows the share of jobs that ended well apart from the failure rate of attempts', { skip: skip ?? false }, (t) =>
  traced(t, wc, async (wc) => {
    // Five jobs ended well after one failed attempt each, one failed for good: 5 of 6 of them ended well, while
    // 6 of their 11 attempts failed.
    const c = profileIdForUrl(db.connectionString);
    const now = Date.now();
    const store = wc.engine.parts.db;
    const insert = store.prepare(
      `insert into failure_attempts (connection_id, job_id, generation, task, attempt, max_attempts, at, error, error_type, source, final)
       values (?, ?, 0, 'ot_rate', ?, 3, ?, 'Error: timeout', 'timeout', 'watch', ?)`,
    );
    for (let job = 1; job <= 5; job++) insert.run(c, 800_000 + job, 1, now - 5 * 60_000, 0);
    insert.run(c, 800_010, 3, now - 4 * 60_000, 1);
    store
      .prepare(`insert into success_minutes (connection_id, task, minute, successes) values (?, 'ot_rate', ?, 5)`)
      .run(c, Math.floor((now - 3 * 60_000) / 60_000));

    // The history also holds what the watcher saw of this file's seeded jobs: the figures on screen are the engine's.
    const r = (await wc.engine.call('history.summary', { window: '24h' })) as { ok: true; data: HistorySummary };
    const { ended24h, failures, successes } = r.data;
    assert.ok(ended24h && ended24h.succeeded === 5 && ended24h.failed >= 1 && ended24h.successRate !== null);
    const pct = (p: number) => `${Math.round(p * 100)}%`;

    const { page } = wc;
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await wc.open('#/failures');
    const ended = page.getByTestId('figure-rate24h');
    await ended.getByText(pct(ended24h.successRate)).waitFor({ timeout: 20_000 });
    assert.match(
      await ended.innerText(),
      new RegExp(`Jobs that ended well, last 24 h[\\s\\S]*5 succeeded · ${ended24h.failed} failed for good`),
    );
    assert.match(
      await page.getByTestId('figure-attempt-failures').innerText(),
      new RegExp(
        `Attempts that failed[\\s\\S]*${pct(failures / (failures + successes))}[\\s\\S]*${failures} of ${failures + successes} attempts`,
      ),
    );
    assert.ok(ended24h.successRate > successes / (successes + failures), 'more jobs ended well than attempts succeeded');
    // The alarm colour follows final outcomes (below 90% of jobs ended well); failed attempts alone raise none.
    assert.ok(ended24h.successRate < 0.9);
    assert.match((await ended.getAttribute('class')) ?? '', /alarm/);
    assert.doesNotMatch((await page.getByTestId('figure-failures').getAttribute('class')) ?? '', /alarm/);
    await boxesApart(page, '.fail-card', 'figure cards');
    await page.setViewportSize({ width: 1024, height: 700 });
    await boxesApart(page, '.fail-card', 'figure cards at 1024');
    await wc.screenshot('failures-final-outcomes-1024');
  }),
);

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';
import { waitFor } from '../helpers/engine.ts';
import { profileIdForUrl } from '../../src/engine/pg/connection-string.ts';
import type { HistorySummary } from '../../src/shared/model/history.ts';
import { boxesApart, hashOf, seedTrouble, snapshotWithTrouble, visit } from './overview-seed.ts';

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

test('the overview numbers and trouble items open the right filtered lists', { skip: skip ?? false }, (t) =>
  traced(t, wc, async (wc) => {
    await snapshotWithTrouble(wc);
    const { page } = wc;
    await page.setViewportSize({ width: 1440, height: 900 });
    const rowsShown = async (n: number) => {
      await waitFor(`${n} rows in the list`, async () => (await page.locator('[data-testid^="job-row-"]').count()) === n);
    };
    const params = () => new URLSearchParams(hashOf(page).split('?')[1] ?? '');

    // The Ready card: due now, due retries included.
    await visit(wc, '#/overview');
    await page.getByTestId('count-ready-link').click();
    await page.waitForURL(/#\/jobs\?/);
    assert.equal(params().get('state'), 'ready,retrying');
    assert.ok(params().get('runAtTo'));
    await rowsShown(6);
    assert.equal(await page.locator('.state-badge', { hasText: 'Due (retry)' }).count(), 2);

    // Waiting to retry: only the retry not due yet.
    await visit(wc, '#/overview');
    await page.getByTestId('count-retrying-link').click();
    await page.waitForURL(/#\/jobs\?/);
    assert.equal(params().get('state'), 'retrying');
    await rowsShown(1);

    // A task row's Ready figure, and a queue row's total.
    await visit(wc, '#/overview');
    await page.locator('[data-testid="task-table"] tr[data-row="ot_orphan"] a[data-state="ready"]').click();
    await page.waitForURL(/#\/jobs\?/);
    assert.equal(params().get('task'), 'ot_orphan');
    assert.equal(params().get('state'), 'ready,retrying');
    await rowsShown(5);
    await visit(wc, '#/overview');
    await page.locator('[data-testid="queue-table"] tr[data-row="ot-lane"] a[data-state="total"]').click();
    await page.waitForURL(/#\/jobs\?/);
    assert.equal(params().get('queue'), 'ot-lane');
    assert.equal(params().get('state'), null);
    await rowsShown(2);

    // The Failed card: the permanently failed job runs no more, and no row says "Created in …".
    await visit(wc, '#/overview');
    await page.getByTestId('count-failed-link').click();
    await page.waitForURL(/#\/jobs\?state=failed/);
    await rowsShown(1);
    assert.match(await page.locator('[data-testid^="job-row-"]').innerText(), /none left/);
    await wc.screenshot('overview-link-failed-list');
    await visit(wc, '#/jobs?task=ot_fresh');
    await rowsShown(1);
    const created = (await page.locator('[data-testid^="job-row-"] > span:last-child').innerText()).trim();
    assert.equal(created, 'just now', 'a creation time ahead of the viewer’s clock never reads "in …"');

    // Trouble items: a task nobody runs opens its due jobs; stuck opens the Stuck view.
    await visit(wc, '#/overview');
    await page.getByTestId('trouble-no-worker-ot_orphan').click();
    await page.waitForURL(/#\/jobs\?/);
    assert.equal(params().get('task'), 'ot_orphan');
    await rowsShown(5);
    await visit(wc, '#/overview');
    await page.getByTestId('trouble-stuck').click();
    await page.waitForURL(/#\/stuck$/);
    await page.getByTestId('nav-stuck-badge').waitFor();
  }),
);

test('a permanently failed job shows no future run on its page', { skip: skip ?? false }, (t) =>
  traced(t, wc, async (wc) => {
    const [dead] = (await db.pool.query<{ id: string }>(`select id::text from graphile_worker._private_jobs where key = 'dead'`)).rows;
    await visit(wc, `#/jobs/${dead.id}`);
    const next = await wc.page.getByTestId('job-next-run').innerText();
    assert.match(next, /no further run/);
    assert.doesNotMatch(next, /\bin \d/);
    // When it failed (in the past), not graphile-worker's run_at pushed past the last failure.
    assert.match(next, / ago; attempts used up|just now; attempts used up/);
    assert.equal(await wc.page.getByText('Failed for good', { exact: true }).count(), 1);
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
    await visit(wc, '#/failures');
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

test('the freshness dot stays still while the counts do not move, and pulses when they do', { skip: skip ?? false }, (t) =>
  traced(t, wc, async (wc) => {
    const { page } = wc;
    await visit(wc, '#/overview');
    const dot = page.getByTestId('freshness').locator('.pulse-dot');
    const countedAt = () => page.getByTestId('freshness').getAttribute('title');
    await dot.waitFor();
    // The dot the page shows now, marked: a new element means it was mounted again (which is what plays the pulse).
    await dot.evaluate((el: { setAttribute(name: string, value: string): void }) => el.setAttribute('data-seen', '1'));
    const first = await countedAt();
    await waitFor('a count after the mark', async () => (await countedAt()) !== first, 10_000);
    const second = await countedAt();
    await waitFor('yet another count', async () => (await countedAt()) !== second, 10_000);
    assert.equal(await dot.getAttribute('data-seen'), '1', 'the same dot over counts that changed nothing');
    assert.equal(await page.evaluate<number>('document.getAnimations().length'), 0, 'nothing animates on a quiet page');

    await db.pool.query(`select graphile_worker.add_job('ot_pulse', '{}'::json, job_key => 'pulse', run_at => now() + interval '1 day')`);
    try {
      await waitFor('the dot to pulse on the new count', async () => (await dot.getAttribute('data-seen')) === null, 15_000);
      // The ring the pulse plays on (a pseudo-element: only its computed style tells).
      type Styles = { getComputedStyle(el: unknown, pseudo: string): { animationName: string } };
      const ring = await dot.evaluate((el) => (globalThis as unknown as Styles).getComputedStyle(el, '::after').animationName);
      assert.equal(ring, 'pulse', 'the fresh dot plays the pulse');
    } finally {
      await db.pool.query(`select graphile_worker.remove_job('pulse')`);
    }
  }),
);

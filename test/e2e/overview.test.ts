import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';

const skip = browserSkipReason();
let web: WebConsole | undefined;

before(async () => {
  if (skip) return;
  // The embedded default with the demo pipeline and a hosted runner, as `npm run serve -- --demo` starts it.
  web = await startWebConsole({ demo: true, runner: true, concurrency: 4, depthSampleMs: 1000 });
});
after(async () => {
  await web?.close();
});

const readCount = async (state: string) => Number((await web!.page.getByTestId(`count-${state}-value`).innerText()).replace(/[^\d]/g, ''));

test('the overview shows live counts that change as jobs run, and the depth chart', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    await web.open('#/overview');
    const { page } = web;
    await page.getByTestId('count-total').waitFor();
    // Counts must match the engine's own snapshot and move while the demo produces and the runner works.
    const seen = new Set<string>();
    const deadline = Date.now() + 30_000;
    while (seen.size < 3 && Date.now() < deadline) {
      const values = await Promise.all(['total', 'ready', 'running', 'retrying', 'failed'].map(readCount));
      seen.add(values.join(','));
      await page.waitForTimeout(300); // sampling the screen, not waiting for a result
    }
    assert.ok(seen.size >= 3, `expected the counts to change as jobs run, saw only ${[...seen].join(' | ')}`);

    // The figures on screen are the engine's figures.
    const snapshot = (await web.engine.call('overview.get', {})) as { ok: true; data: { at: string } };
    assert.ok(snapshot.ok);
    await page.getByTestId('task-table').getByText('generate_insight').waitFor();

    // The depth chart has drawn at least one area from the SQLite samples.
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll(
          '[data-testid="depth-chart"] .recharts-area-area, [data-testid="depth-chart"] .recharts-area-curve',
        ).length > 0,
      undefined,
      { timeout: 30_000 },
    );
    // How many worker processes are alive: the engine's own figure, linking to the Workers view.
    const workers = (await web.engine.call('workers.list', {})) as { ok: true; data: { alive: number } };
    assert.ok(workers.ok && workers.data.alive >= 1, 'the hosted runner at least is alive');
    const summary = page.getByTestId('workers-summary');
    await summary.getByText(`${workers.data.alive} worker${workers.data.alive === 1 ? '' : 's'} alive`).waitFor();
    assert.equal(await summary.getAttribute('href'), '#/workers');
    const file = await web.screenshot('overview');
    assert.ok(file.endsWith('overview.png'));
  }),
);

test('the runner can be stopped and started from the console', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await web.open('#/overview');
    await page.getByTestId('runner-stop').click();
    // It asks first; keeping it running changes nothing.
    const dialog = page.locator('dialog[open]');
    await dialog.getByText("Stop this console's runner?").waitFor();
    await web.screenshot('runner-stop-confirm');
    await dialog.getByTestId('confirm-dialog-dismiss').click();
    assert.equal(
      ((await web.engine.call('app.status', {})) as { ok: true; data: { runner: { state: string } } }).data.runner.state,
      'running',
    );
    await page.getByTestId('runner-stop').click();
    await dialog.getByTestId('confirm-dialog-confirm').click();
    await page.getByTestId('runner-start').waitFor({ timeout: 20_000 });
    const stopped = (await web.engine.call('app.status', {})) as { ok: true; data: { runner: { state: string } } };
    assert.equal(stopped.data.runner.state, 'stopped');
    await page.getByTestId('runner-start').click();
    // Stop is offered from 'starting' on; the state word says when the runner has started (slower on a loaded machine).
    await page.getByTestId('runner-stop').waitFor({ timeout: 20_000 });
    await page.locator('.runner-state.runner-running').waitFor({ timeout: 20_000 });
    const running = (await web.engine.call('app.status', {})) as { ok: true; data: { runner: { state: string } } };
    assert.equal(running.data.runner.state, 'running');

    // A concurrency out of range is put back, and the operator is told why (0 is not a way to stop).
    const concurrency = page.locator('.runner-concurrency input');
    const before = await concurrency.inputValue();
    await concurrency.fill('0');
    await concurrency.press('Enter');
    await page.getByTestId('toast-warning').getByText(`kept ${before}. To stop taking jobs, use Stop.`).waitFor();
    assert.equal(await concurrency.inputValue(), before);

    // A valid one applies once on Enter: the field, disabled while the runner restarts, loses focus, and that blur
    // asked again (a second restart, seen as two settings entries in the audit log).
    const next = String(Number(before) === 5 ? 6 : 5);
    await concurrency.fill(next);
    await concurrency.press('Enter');
    await page.locator('.runner-jobs', { hasText: `/${next}` }).waitFor({ timeout: 20_000 });
    await page.locator('.runner-state.runner-running').waitFor({ timeout: 20_000 });
    await page.waitForTimeout(500);
    const audit = (await web.engine.call('audit.list', { limit: 20 })) as { ok: true; data: Array<{ action: string }> };
    assert.equal(audit.data.filter((e) => e.action === 'runner.configure').length, 1, JSON.stringify(audit.data.map((e) => e.action)));
    // The same concurrency again changes nothing: the runner keeps its pool, and the log no entry.
    type Status = { ok: true; data: { runner: { poolId: string | null } } };
    const pool = ((await web.engine.call('app.status', {})) as Status).data.runner.poolId;
    await web.engine.call('runner.configure', { concurrency: Number(next) });
    assert.equal(((await web.engine.call('app.status', {})) as Status).data.runner.poolId, pool);
    const again = (await web.engine.call('audit.list', { limit: 20 })) as { ok: true; data: Array<{ action: string }> };
    assert.equal(again.data.filter((e) => e.action === 'runner.configure').length, 1);
  }),
);

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';

const skip = browserSkipReason();
let web: WebConsole | undefined;

before(async () => {
  if (skip) return;
  // The demo pipeline and a hosted runner: every view has rows, failures and charts to lay out.
  web = await startWebConsole({ demo: true, runner: true, concurrency: 4 });
});
after(async () => {
  await web?.close();
});

/**
 * Waits until a page expression is true. Polled with evaluate: the console's CSP (no 'unsafe-eval') refuses
 * the string form of waitForFunction. The deadline only stops a wait that would never end.
 */
async function until(web: WebConsole, expression: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await web.page.evaluate<boolean>(`!!(${expression})`))) {
    if (Date.now() > deadline) throw new Error(`still false after ${timeoutMs} ms: ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A `g` pair, both keys in one task of the page: two separate presses can be spread past the pair's time window
 * (SEQUENCE_MS) on a loaded machine. They go to the console's one window listener as real presses do.
 */
async function pair(web: WebConsole, second: string): Promise<void> {
  await web.page.evaluate(
    `for (const key of ['g', '${second}']) window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }))`,
  );
}

const attr = (web: WebConsole, name: string) => web.page.evaluate<string | undefined>(`document.documentElement.dataset.${name}`);
/** The page's background brightness (0 black to 255 white), as painted. */
const bodyBrightness = async (web: WebConsole) => {
  const rgb = await web.page.evaluate<string>(`getComputedStyle(document.body).backgroundColor`);
  const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
  return 0.299 * r + 0.587 * g + 0.114 * b;
};

test('the theme follows the system until the switch picks one, and the choice survives a reload', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });
    await web.open('#/overview');
    assert.equal(await attr(web, 'theme'), 'light');
    assert.equal(await attr(web, 'themeChoice'), 'system');
    assert.ok((await bodyBrightness(web)) > 200, 'a light page');
    // The system turns dark while the console is open: it follows at once.
    await page.emulateMedia({ colorScheme: 'dark' });
    await until(web, `document.documentElement.dataset.theme === 'dark'`);
    assert.ok((await bodyBrightness(web)) < 60, 'a dark page');

    // The switch: light, whatever the system says; kept across a reload, set before the app's script runs.
    const select = page.getByTestId('theme-switch');
    await select.selectOption('light');
    assert.equal(await attr(web, 'theme'), 'light');
    assert.ok((await bodyBrightness(web)) > 200);
    await page.reload({ waitUntil: 'commit' });
    await page.waitForSelector('html[data-theme]');
    assert.equal(await attr(web, 'theme'), 'light', 'the saved choice applies before the first paint (theme-init.js)');
    await page.waitForSelector('[data-app-state="loaded"]');
    assert.equal(await select.inputValue(), 'light');
    await web.screenshot('layout-theme-light-chosen');

    await select.selectOption('dark');
    await page.emulateMedia({ colorScheme: 'light' });
    assert.equal(await attr(web, 'theme'), 'dark', 'a chosen theme ignores the system');
    await select.selectOption('system');
    assert.equal(await attr(web, 'theme'), 'light', 'back to the system: light');
    assert.equal(await page.evaluate(`localStorage.getItem('jobdeck.theme')`), null);
    await page.emulateMedia({ colorScheme: null });
  }),
);

test('keyboard: g + a letter opens each view, j/k move in the list, Enter opens, / searches, ? lists them', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await page.setViewportSize({ width: 1024, height: 700 });
    await web.open('#/overview');
    const hash = () => page.evaluate<string>('location.hash');
    const GO: Record<string, string> = {
      o: 'overview',
      j: 'jobs',
      f: 'failures',
      w: 'workers',
      u: 'usage',
      a: 'alerts',
      s: 'stuck',
      b: 'backfill',
      l: 'audit',
      n: 'connections',
    };
    for (const [key, view] of Object.entries(GO)) {
      await pair(web, key);
      await until(web, `location.hash.startsWith('#/${view}')`, 5_000);
    }

    // j/k in the Jobs view's list: a visible mark on the focused row; Enter opens the job. On jobs of a task no worker
    // runs: the demo's own jobs start and end within a second, and a row that came or went between reading the list
    // and pressing j failed this test on a loaded machine.
    for (let i = 0; i < 3; i++) assert.ok((await web.engine.call('jobs.add', { task: 'kbd_static' })).ok);
    await pair(web, 'j');
    await until(web, `location.hash.startsWith('#/jobs')`);
    await page.evaluate(`location.hash = '#/jobs?task=kbd_static'`);
    const rows = page.locator('.job-row:not(.job-head)');
    await until(web, `document.querySelectorAll('.job-row:not(.job-head)').length === 3`);
    const marked = () =>
      page.evaluate<{ id: string; focused: boolean; outline: string } | null>(`(() => {
        const el = document.querySelector('.kbd-current');
        if (!el) return null;
        const s = getComputedStyle(el);
        return { id: el.dataset.testid, focused: document.activeElement === el, outline: s.outlineStyle + ' ' + s.outlineWidth };
      })()`);
    const first = await rows.nth(0).getAttribute('data-testid');
    const second = await rows.nth(1).getAttribute('data-testid');
    await page.keyboard.press('j');
    assert.deepEqual(await marked(), { id: first, focused: true, outline: 'solid 2px' });
    await page.keyboard.press('j');
    assert.equal((await marked())?.id, second);
    await page.keyboard.press('k');
    assert.equal((await marked())?.id, first);
    await web.screenshot('layout-keyboard-row');
    await page.keyboard.press('Enter');
    const id = first!.replace('job-row-', '');
    await until(web, `location.hash.startsWith('#/jobs/${id}')`, 5_000);

    // / focuses the search: the top bar's job search where there is one, else the view's own search field.
    await pair(web, 'j');
    await until(web, `location.hash === '#/jobs'`);
    await rows.first().waitFor();
    await page.keyboard.press('/');
    const focused = await page.evaluate<boolean>(
      `(() => { const el = document.activeElement; return el && (el.id === 'job-search' || !!el.closest('.filter-search')); })()`,
    );
    assert.ok(focused, 'the search box has the focus');
    // Keys typed into a field are text, not shortcuts.
    await page.keyboard.type('go');
    assert.equal(await hash(), '#/jobs');
    await page.keyboard.press('Escape');
    await page.evaluate('document.activeElement.blur()');

    // ? lists the shortcuts from the same table the keys are matched against.
    await page.keyboard.press('?');
    const dialog = page.getByTestId('shortcuts-dialog');
    await dialog.waitFor();
    for (const text of ['Search jobs', 'Go to Overview', 'Go to Jobs', 'Next row in the list', 'Show these shortcuts'])
      await dialog.getByText(text).waitFor();
    await web.screenshot('layout-shortcuts-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    // While a dialog is closed again, the keys work again.
    await pair(web, 'o');
    await until(web, `location.hash.startsWith('#/overview')`);
  }),
);

test('a skip link to the content and a visible focus on buttons, links and fields', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await page.setViewportSize({ width: 1440, height: 900 });
    await web.open('#/overview');
    await page.evaluate('document.activeElement?.blur()');
    await page.keyboard.press('Tab');
    const skipLink = page.getByTestId('skip-link');
    assert.equal(await page.evaluate(`document.activeElement?.dataset.testid`), 'skip-link', 'the first Tab reaches the skip link');
    const box = await skipLink.boundingBox();
    assert.ok(box && box.y >= 0 && box.height > 0, 'it shows once focused');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('document.activeElement?.id'), 'main-content');
    assert.equal(await page.evaluate('location.hash.split("&")[0]'), '#/overview', 'the skip link does not change the route');

    // Tab through the page: every focused control draws a ring of 2 px or more.
    const seen = new Set<string>();
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press('Tab');
      const ring = await page.evaluate<{ tag: string; style: string; width: number } | null>(`(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const s = getComputedStyle(el);
        return { tag: el.tagName.toLowerCase(), style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
      })()`);
      if (!ring) continue;
      seen.add(ring.tag);
      assert.ok(ring.style !== 'none' && ring.width >= 2, `a visible focus on ${ring.tag}: ${ring.style} ${ring.width}px`);
    }
    assert.ok(seen.has('a') && seen.has('button'), `links and buttons were reached: ${[...seen].join(', ')}`);
    await web.screenshot('layout-focus');
  }),
);

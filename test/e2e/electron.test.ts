import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { _electron as electron } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);

/** Electron's binary is downloaded on first use from outside the npm registry: absent on offline machines. */
function electronSkipReason(): string | null {
  const pathFile = path.join(root, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile))
    return "Electron binary not installed (node_modules/electron/path.txt missing: it is downloaded on first `npm start`, which needs access to Electron's release host)";
  const binary = require('electron') as unknown as string;
  if (!existsSync(binary)) return `Electron binary missing at ${binary}`;
  if (!existsSync(path.join(root, 'out', 'main', 'index.js'))) return 'The app is not built: run `npm run build`';
  if (process.platform === 'linux' && !process.env.DISPLAY) return 'No display: run under xvfb-run on Linux';
  return null;
}

const skip = electronSkipReason();
if (skip) console.log(`# electron e2e skipped: ${skip}`);

test('the desktop app opens the overview on the embedded demo, hardened', { skip: skip ?? false }, async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-electron-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const app = await electron.launch({
    executablePath: require('electron') as unknown as string,
    args: [root, '--no-sandbox'],
    env: { ...process.env, JOBDECK_DATA_DIR: dataDir },
  });
  try {
    const window = await app.firstWindow();
    await window.waitForSelector('[data-app-state="loaded"]', { timeout: 60_000 });
    await window.getByTestId('count-total').waitFor();
    // The page has no Node and reaches the engine only through the bridge.
    assert.equal(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require), 'undefined');
    assert.equal(
      await window.evaluate(() => typeof (window as unknown as { jobdeck?: { app?: { status?: unknown } } }).jobdeck?.app?.status),
      'function',
    );
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const w = BrowserWindow.getAllWindows()[0];
      // Not in Electron's typings, but present: the preferences the page was really created with.
      const p = (w.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> | null }).getLastWebPreferences();
      return { contextIsolation: p?.contextIsolation, sandbox: p?.sandbox, nodeIntegration: p?.nodeIntegration };
    });
    assert.deepEqual(prefs, { contextIsolation: true, sandbox: true, nodeIntegration: false });
    mkdirSync(path.join(root, 'test-results', 'screenshots'), { recursive: true });
    await window.screenshot({ path: path.join(root, 'test-results', 'screenshots', 'electron-overview.png') });
  } finally {
    await app.close();
  }
});

test(
  'a data file written by a newer Jobdeck opens a hardened page that names the file, not an unhandled rejection',
  { skip: skip ?? false },
  async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-electron-newer-'));
    const file = path.join(dataDir, 'jobdeck.sqlite');
    // The file as a future Jobdeck leaves it: a migration this build does not know.
    const db = new Database(file);
    db.exec(`create table _migrations (id integer primary key, name text not null, hash text not null, applied_at text not null);
    insert into _migrations values (9999, 'from a newer Jobdeck', 'hash', '2099-01-01T00:00:00Z')`);
    db.close();
    const app = await electron.launch({
      executablePath: require('electron') as unknown as string,
      args: [root, '--no-sandbox'],
      env: { ...process.env, JOBDECK_DATA_DIR: dataDir },
    });
    let closed = false;
    try {
      const window = await app.firstWindow();
      await window.waitForSelector('[data-page-state="ready"]', { timeout: 30_000 });
      assert.match((await window.getByTestId('failure-title').textContent()) ?? '', /newer Jobdeck/);
      assert.ok((await window.getByTestId('failure-details').textContent())?.includes(file));
      assert.equal(await window.getByTestId('failure-reveal').isVisible(), true);
      const prefs = await app.evaluate(({ BrowserWindow }) => {
        const windows = BrowserWindow.getAllWindows();
        const p = (
          windows[0].webContents as unknown as { getLastWebPreferences(): Record<string, unknown> | null }
        ).getLastWebPreferences();
        return {
          windows: windows.length,
          contextIsolation: p?.contextIsolation,
          sandbox: p?.sandbox,
          nodeIntegration: p?.nodeIntegration,
          preload: p?.preload ?? null,
        };
      });
      assert.deepEqual(prefs, { windows: 1, contextIsolation: true, sandbox: true, nodeIntegration: false, preload: null });
      assert.equal(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require), 'undefined');
      // Quit goes through main (the link's window is denied), and the app exits.
      await Promise.all([app.waitForEvent('close'), window.getByTestId('failure-quit').click()]);
      closed = true;
    } finally {
      if (!closed) await app.close();
    }
  },
);

test('the built preload requires nothing but electron (a sandboxed preload can load nothing else)', () => {
  const file = path.join(root, 'out', 'preload', 'index.cjs');
  assert.ok(existsSync(file), 'run `npm run build` first');
  const requires = [...readFileSync(file, 'utf8').matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(requires)], ['electron']);
});

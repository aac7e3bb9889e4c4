import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Download, type Page } from 'playwright-core';
import { createEngine, type Engine, type EngineOptions, type StartOptions } from '../../src/engine/index.ts';
import { startWebServer, type WebServer } from '../../src/server/web-server.ts';
import {
  BROWSER_SERVER_ENV,
  browserSkippedOnPurpose,
  CHROMIUM_ARGS,
  findChromium,
  noChromiumMessage,
  SKIP_BROWSER_ENV,
  TRACE_ENV,
} from './chromium.ts';

export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../../test-results/screenshots');
export const TRACE_DIR = path.resolve(import.meta.dirname, '../../test-results/traces');
export const FAILURE_DIR = path.resolve(import.meta.dirname, '../../test-results/failures');
const tracing = () => process.env[TRACE_ENV] === '1';
const STATIC_DIR = path.resolve(import.meta.dirname, '../../out/renderer');

/**
 * Why browser tests are skipped, or null when they run. Only `JOBDECK_SKIP_BROWSER=1` skips them: without a
 * Chromium or a built renderer they fail, with a message that says what to do (see `startWebConsole`).
 */
export function browserSkipReason(): string | null {
  return browserSkippedOnPurpose() ? `browser tests skipped on purpose (${SKIP_BROWSER_ENV}=1)` : null;
}

export interface WebConsole {
  engine: Engine;
  server: WebServer;
  browser: Browser;
  /** The page's context: with JOBDECK_TRACE=1 it records a Playwright trace, kept for each failed test (see `traced`). */
  context: BrowserContext;
  page: Page;
  dataDir: string;
  /** Opens the console at a route (e.g. '#/jobs') with the token, and waits for the ready marker. */
  open(route?: string): Promise<void>;
  screenshot(name: string): Promise<string>;
  /** The text of a file the page downloaded (saved into the console's data folder: the browser may be remote). */
  downloaded(download: Download): Promise<string>;
  close(): Promise<void>;
}

/**
 * One Chromium for the process, shared by its consoles (each has a context of its own): a launch costs about two
 * seconds of CPU, a context a fraction. Under the test runner it is the run's Chromium (BROWSER_SERVER_ENV), which
 * this process connects to; alone, it launches its own. Let go once no console uses it, after a moment: the next
 * test often opens one at once.
 */
let shared: { browser: Promise<Browser>; tracesDir: string | null; users: number; idle?: NodeJS.Timeout } | null = null;

function connectOrLaunch(executablePath: string): { browser: Promise<Browser>; tracesDir: string | null } {
  const server = process.env[BROWSER_SERVER_ENV];
  if (server) return { browser: chromium.connect(server), tracesDir: null };
  // Where Playwright records traces before one is saved; it would leave a folder in the temp folder otherwise.
  const tracesDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-traces-'));
  return { browser: chromium.launch({ executablePath, tracesDir, args: CHROMIUM_ARGS }), tracesDir };
}

const removeTraces = (dir: string | null) => {
  if (dir) rmSync(dir, { recursive: true, force: true });
};

async function acquireBrowser(executablePath: string): Promise<Browser> {
  if (shared?.idle) clearTimeout(shared.idle);
  shared ??= { ...connectOrLaunch(executablePath), users: 0 };
  shared.users++;
  try {
    return await shared.browser;
  } catch (error) {
    if (shared) removeTraces(shared.tracesDir);
    shared = null;
    throw error;
  }
}

function releaseBrowser(): void {
  const current = shared;
  if (!current || --current.users > 0) return;
  current.idle = setTimeout(() => {
    if (shared === current) shared = null;
    void current.browser
      .then((b) => b.close())
      .catch(() => {})
      .finally(() => removeTraces(current.tracesDir));
  }, 500);
}

/** A real engine + web server + headless Chromium page (a browser context of its own), as an operator would use web mode. */
export async function startWebConsole(
  start: StartOptions & { depthSampleMs?: number; prepareDataDir?: (dataDir: string) => void } & Pick<
      EngineOptions,
      'demoWorker' | 'alerts'
    > = {},
): Promise<WebConsole> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(noChromiumMessage());
  if (!existsSync(path.join(STATIC_DIR, 'index.html'))) throw new Error('The renderer is not built: run `npm run build` first');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-e2e-'));
  start.prepareDataDir?.(dataDir);
  let engine: Engine | undefined;
  let server: WebServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  try {
    // The demo's separate worker process only where a test asks for it (`demoWorker: {}`): it costs a process.
    engine = createEngine({
      dataDir,
      mode: 'web',
      log: () => {},
      depthSampleMs: start.depthSampleMs ?? 1000,
      demoWorker: start.demoWorker ?? false,
      alerts: start.alerts,
    });
    server = await startWebServer({ engine, staticDir: STATIC_DIR });
    await engine.start(start);
    browser = await acquireBrowser(executablePath);
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    if (tracing()) await context.tracing.start({ screenshots: true, snapshots: true });
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const opened = { engine, server, browser, context };
    return {
      ...opened,
      page,
      dataDir,
      async open(route = '') {
        // A full load each time: a same-document hash change would not run the token hand-off.
        await page.goto('about:blank');
        await page.goto(`http://127.0.0.1:${opened.server.port}/${route}${route.includes('#') ? '&' : '#'}token=${opened.server.token}`);
        await page.waitForSelector('[data-app-state="loaded"]', { timeout: 30_000 });
      },
      async screenshot(name) {
        const file = path.join(SCREENSHOT_DIR, `${name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        return file;
      },
      async downloaded(download) {
        const file = path.join(dataDir, `download-${Date.now()}-${download.suggestedFilename()}`);
        await download.saveAs(file);
        return readFileSync(file, 'utf8');
      },
      async close() {
        await closeAll(dataDir, opened);
      },
    };
  } catch (error) {
    await closeAll(dataDir, { engine, server, browser, context });
    throw error;
  }
}

async function closeAll(
  dataDir: string,
  parts: { engine?: Engine; server?: WebServer; browser?: Browser; context?: BrowserContext },
): Promise<void> {
  await parts.context?.close().catch(() => {});
  if (parts.browser) releaseBrowser();
  await parts.server?.close().catch(() => {});
  await parts.engine?.stop(5_000).catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
}

/** A file name for a test's trace: its name, with only the characters every file system accepts. */
export function traceFile(testName: string): string {
  return path.join(TRACE_DIR, `${safeName(testName)}.zip`);
}

const safeName = (testName: string) =>
  testName
    .replace(/[^\w.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120) || 'test';

/**
 * Runs a browser test's body and, when it fails, keeps what the page showed: a screenshot in
 * test-results/failures/<test name>.png and, with JOBDECK_TRACE=1, what the browser did (DOM snapshots,
 * screenshots, network, console) in test-results/traces/<test name>.zip; open it with
 * `npx playwright-core show-trace <file>`. Use as `test(name, (t) => traced(t, web, async (web) => { ... }))`.
 */
export async function traced(t: TestContext, web: WebConsole | undefined, body: (web: WebConsole) => Promise<void>): Promise<void> {
  if (!web) throw new Error('The web console did not start (see the error of the hook that starts it)');
  const trace = tracing();
  if (trace) await web.context.tracing.startChunk({ title: t.name });
  let failed = true;
  try {
    await body(web);
    failed = false;
  } finally {
    if (failed) await keepFailure(t, web, trace);
    else if (trace) await web.context.tracing.stopChunk().catch(() => {});
  }
}

async function keepFailure(t: TestContext, web: WebConsole, trace: boolean): Promise<void> {
  const name = safeName(t.name);
  try {
    mkdirSync(FAILURE_DIR, { recursive: true });
    const shot = path.join(FAILURE_DIR, `${name}.png`);
    await web.page.screenshot({ path: shot, fullPage: true, timeout: 10_000 });
    t.diagnostic(`the page at the failure: ${path.relative(process.cwd(), shot)}`);
  } catch (error) {
    t.diagnostic(`no screenshot of the failure: ${(error as Error).message}`);
  }
  if (!trace) return;
  const file = traceFile(t.name);
  mkdirSync(TRACE_DIR, { recursive: true });
  try {
    await web.context.tracing.stopChunk({ path: file });
    t.diagnostic(`Playwright trace of the failure: ${path.relative(process.cwd(), file)} (npx playwright-core show-trace ${file})`);
  } catch (error) {
    t.diagnostic(`no Playwright trace: ${(error as Error).message}`);
  }
}

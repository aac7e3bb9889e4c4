import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createEngine, type Engine, type StartOptions } from '../../src/engine/index.ts';
import { startWebServer, type WebServer } from '../../src/server/web-server.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../../test-results/screenshots');
const STATIC_DIR = path.resolve(import.meta.dirname, '../../out/renderer');

/** Why browser tests cannot run here, or null when they can. */
export function browserSkipReason(): string | null {
  if (!existsSync(CHROMIUM)) return `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (!existsSync(path.join(STATIC_DIR, 'index.html'))) return 'The renderer is not built: run `npm run build` first';
  return null;
}

export interface WebConsole {
  engine: Engine;
  server: WebServer;
  browser: Browser;
  page: Page;
  dataDir: string;
  /** Opens the console at a route (e.g. '#/jobs') with the token, and waits for the ready marker. */
  open(route?: string): Promise<void>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** A real engine + web server + headless Chromium page, as an operator would use web mode. */
export async function startWebConsole(start: StartOptions & { depthSampleMs?: number } = {}): Promise<WebConsole> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-e2e-'));
  const engine = createEngine({ dataDir, mode: 'web', log: () => {}, depthSampleMs: start.depthSampleMs ?? 1000 });
  const server = await startWebServer({ engine, staticDir: STATIC_DIR });
  await engine.start(start);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    engine,
    server,
    browser,
    page,
    dataDir,
    async open(route = '') {
      // A full load each time: a same-document hash change would not run the token hand-off.
      await page.goto('about:blank');
      await page.goto(`http://127.0.0.1:${server.port}/${route}${route.includes('#') ? '&' : '#'}token=${server.token}`);
      await page.waitForSelector('[data-app-state="loaded"]', { timeout: 30_000 });
    },
    async screenshot(name) {
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await browser.close().catch(() => {});
      await server.close();
      await engine.stop(5_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

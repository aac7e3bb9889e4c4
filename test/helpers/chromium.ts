import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Where the browser tests look for Chromium. Imported by the test runner too, so it stays free of heavy imports.
 * Set CHROMIUM_PATH to choose one; JOBDECK_SKIP_BROWSER=1 skips the browser tests on purpose.
 */
export const SKIP_BROWSER_ENV = 'JOBDECK_SKIP_BROWSER';

/**
 * `JOBDECK_TRACE=1` records a Playwright trace of each browser test, kept when it fails. Off by default: recording
 * (a DOM snapshot and a screenshot at every step) cost about 40 % of a browser test's CPU, measured. The test
 * runner re-runs a failed browser file with it on (scripts/run-tests.ts), so a failure still leaves its trace.
 */
export const TRACE_ENV = 'JOBDECK_TRACE';

/**
 * Set by the test runner: the WebSocket address of the run's one Chromium (a Playwright browser server), which the
 * browser test files share, each in contexts of its own. Without it (a file run alone) a file launches its own.
 */
export const BROWSER_SERVER_ENV = 'JOBDECK_TEST_BROWSER';

/** How Chromium runs for the tests: headless, no sandbox (containers run as root), nothing fetched from the network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Browser tests are skipped only when asked to: a missing browser is a failure, not a skip. */
export function browserSkippedOnPurpose(): boolean {
  return process.env[SKIP_BROWSER_ENV] === '1';
}

/** Chromium downloaded by `npx playwright install chromium`, newest revision first. */
function playwrightInstalls(): string[] {
  const cache =
    process.env.PLAYWRIGHT_BROWSERS_PATH ||
    path.join(os.homedir(), process.platform === 'darwin' ? 'Library/Caches' : '.cache', 'ms-playwright');
  let dirs: string[];
  try {
    dirs = readdirSync(cache).filter((d) => /^chromium-\d+$/.test(d));
  } catch {
    return [];
  }
  dirs.sort((a, b) => Number(b.slice(9)) - Number(a.slice(9)));
  const inside =
    process.platform === 'darwin'
      ? [
          'chrome-mac/Chromium.app/Contents/MacOS/Chromium',
          'chrome-mac-arm64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
        ]
      : process.platform === 'win32'
        ? ['chrome-win/chrome.exe', 'chrome-win64/chrome.exe']
        : ['chrome-linux/chrome', 'chrome-linux64/chrome'];
  return dirs.flatMap((d) => inside.map((p) => path.join(cache, d, p)));
}

/**
 * Every place looked at, in order. Chromium's headless shell first (Debian's package chromium-headless-shell, the
 * same Blink): the browser Playwright itself runs headless tests on, without the full browser's layers. Measured on
 * the browser test files, 2 cores: 159 s of CPU against 213 s with `chromium --headless`, the same tests passing and
 * the same screenshots.
 */
export function chromiumCandidates(): string[] {
  if (process.env.CHROMIUM_PATH) return [process.env.CHROMIUM_PATH];
  return [
    '/usr/bin/chromium-headless-shell',
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    ...(process.platform === 'darwin'
      ? ['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium']
      : []),
    ...playwrightInstalls(),
  ];
}

/** The Chromium to drive, or null. */
export function findChromium(): string | null {
  return chromiumCandidates().find((p) => existsSync(p)) ?? null;
}

/** Why browser tests cannot run, as a message that says what to do. */
export function noChromiumMessage(): string {
  const where = process.env.CHROMIUM_PATH
    ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist`
    : `looked at ${chromiumCandidates().join(', ') || '/usr/bin/chromium'} and ~/.cache/ms-playwright/chromium-*`;
  return (
    `No Chromium for the browser tests (${where}). Install one (Debian: apt-get install chromium-headless-shell, or chromium; ` +
    `or npx playwright-core install chromium), or set CHROMIUM_PATH to its executable. ` +
    `To run without the browser tests on purpose, set ${SKIP_BROWSER_ENV}=1.`
  );
}

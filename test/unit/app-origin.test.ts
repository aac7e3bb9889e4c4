import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { APP_FOLDERS, APP_ORIGIN, appFileFor, isTrustedOrigin } from '../../src/main/app-origin.ts';

// The desktop serves its pages from app://jobdeck (issue 11.10): the protocol maps only the app's own folders,
// and the IPC sender check accepts that origin exactly. Electron itself cannot run here; these are the decisions.

const ROOT = path.resolve('/opt/jobdeck/resources/app.asar');

test('app://jobdeck serves the console and the start-up failure page from their folders, nothing else', () => {
  assert.equal(appFileFor(`${APP_ORIGIN}/`, ROOT), path.join(ROOT, 'out/renderer/index.html'));
  assert.equal(appFileFor(`${APP_ORIGIN}/index.html`, ROOT), path.join(ROOT, 'out/renderer/index.html'));
  assert.equal(appFileFor(`${APP_ORIGIN}/assets/index-abc.js`, ROOT), path.join(ROOT, 'out/renderer/assets/index-abc.js'));
  assert.equal(
    appFileFor(`${APP_ORIGIN}/startup-failure/index.html?failure=%7B%7D#quit`, ROOT),
    path.join(ROOT, 'resources/startup-failure/index.html'),
  );
  assert.equal(appFileFor(`${APP_ORIGIN}/startup-failure/page.js`, ROOT), path.join(ROOT, 'resources/startup-failure/page.js'));
  // The URL parser already folds `..` and `%2e%2e` segments away: they stay in the folder.
  assert.equal(appFileFor(`${APP_ORIGIN}/../package.json`, ROOT), path.join(ROOT, 'out/renderer/package.json'));
  assert.equal(appFileFor(`${APP_ORIGIN}/%2e%2e/package.json`, ROOT), path.join(ROOT, 'out/renderer/package.json'));
  assert.equal(
    appFileFor(`${APP_ORIGIN}/startup-failure/%2e%2e/%2e%2e/out/main/index.js`, ROOT),
    path.join(ROOT, 'out/renderer/out/main/index.js'),
  );
  for (const bad of [
    `${APP_ORIGIN}/assets/%2e%2e%2f%2e%2e%2fmain/index.js`,
    `${APP_ORIGIN}/assets/..%5c..%5cmain%5cindex.js`,
    `${APP_ORIGIN}/index.html%00.png`,
    `${APP_ORIGIN}/%E0%A4%A`,
    'app://other/index.html',
    'app://jobdeck.evil/index.html',
    'file:///etc/passwd',
    'not a url',
  ]) {
    assert.equal(appFileFor(bad, ROOT), null, bad);
  }
});

test('only our origin (or the dev server in npm run dev) may call the engine, matched exactly', () => {
  assert.equal(isTrustedOrigin(`${APP_ORIGIN}/index.html#/jobs`, undefined), true);
  assert.equal(isTrustedOrigin(`${APP_ORIGIN}/startup-failure/index.html`, undefined), true);
  for (const other of [
    'file:///opt/jobdeck/out/renderer/index.html',
    'app://jobdeck.evil/index.html',
    'app://jobdeckx/',
    'https://jobdeck/',
    'about:blank',
    '',
  ]) {
    assert.equal(isTrustedOrigin(other, undefined), false, other);
  }
  const dev = 'http://localhost:5173/';
  assert.equal(isTrustedOrigin('http://localhost:5173/#/failures', dev), true);
  assert.equal(isTrustedOrigin('http://localhost:5174/', dev), false, 'another port');
  assert.equal(isTrustedOrigin('http://localhost:5173.evil.example/', dev), false, 'a prefix is not the origin');
  assert.equal(isTrustedOrigin('http://localhost:5173/', undefined), false, 'the dev server only in dev');
});

test('every folder the protocol serves is in the package', async () => {
  const { default: config } = (await import('../../electron-builder.json', { with: { type: 'json' } })) as {
    default: { files: string[] };
  };
  for (const folder of Object.values(APP_FOLDERS)) {
    assert.ok(
      config.files.some((f) => folder.startsWith(f.replace(/\/\*\*$/, ''))),
      `${folder} is packaged`,
    );
  }
});

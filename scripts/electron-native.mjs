#!/usr/bin/env node
// Prepares better-sqlite3's native addon for Electron's ABI in .cache/electron-native/<electron version>/,
// leaving node_modules built for Node (tests and web mode use that one). The main process loads it through
// better-sqlite3's `nativeBinding` option. Needs network access the first time (prebuilt binary or headers).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '..');
const electronVersion = require('electron/package.json').version;
const dest = path.join(root, '.cache', 'electron-native', electronVersion, 'better_sqlite3.node');
if (existsSync(dest)) process.exit(0);

const source = path.dirname(require.resolve('better-sqlite3/package.json'));
const work = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-native-'));
const copy = path.join(work, 'better-sqlite3');
cpSync(source, copy, { recursive: true, filter: (p) => !p.includes(`${path.sep}build${path.sep}`) });
const run = (cmd, args) => execFileSync(cmd, args, { cwd: copy, stdio: 'inherit', shell: process.platform === 'win32' });
const bin = (name) => path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
console.log(`Preparing better-sqlite3 for Electron ${electronVersion}…`);
try {
  try {
    run(bin('prebuild-install'), ['--runtime', 'electron', '--target', electronVersion, '--arch', process.arch]);
  } catch {
    console.log('No prebuilt binary; compiling against Electron headers (needs a C++ toolchain)…');
    // npm tells its scripts where its bundled node-gyp is.
    const gyp = process.env.npm_config_node_gyp;
    const [cmd, pre] = gyp ? [process.execPath, [gyp]] : [bin('node-gyp'), []];
    run(cmd, [
      ...pre,
      'rebuild',
      '--release',
      `--target=${electronVersion}`,
      `--arch=${process.arch}`,
      '--dist-url=https://electronjs.org/headers',
    ]);
  }
  mkdirSync(path.dirname(dest), { recursive: true });
  copyFileSync(path.join(copy, 'build', 'Release', 'better_sqlite3.node'), dest);
  console.log(`Ready: ${path.relative(root, dest)}`);
} catch (error) {
  console.error(
    `Could not prepare better-sqlite3 for Electron: ${error.message}\nThe desktop app needs it; web mode (npm run serve) does not.`,
  );
  process.exit(1);
} finally {
  rmSync(work, { recursive: true, force: true });
}

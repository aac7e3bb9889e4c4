#!/usr/bin/env node
// `npm start`: the desktop console on the embedded Postgres. Electron's binary is downloaded on first use (from
// Electron's release host); where it cannot be had, the same console starts in web mode instead, saying why,
// rather than ending on Electron's stack trace.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const electronDir = path.join(root, 'node_modules', 'electron');
const windows = process.platform === 'win32';

/** Electron's executable, downloading it first when missing; null (with why) when it cannot be had. */
function electronBinary() {
  const pathFile = path.join(electronDir, 'path.txt');
  const installed = () => existsSync(pathFile) && existsSync(path.join(electronDir, 'dist', readFileSync(pathFile, 'utf8')));
  if (!installed()) {
    console.log("jobdeck: downloading Electron's binary (at each start until it is there)…");
    const result = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { cwd: electronDir, encoding: 'utf8' });
    if (result.status !== 0 || !installed()) {
      const output = `${result.stderr ?? ''}\n${result.stdout ?? ''}`;
      const why = /^\s*(?:\w*Error|cause): .*$/m.exec(output)?.[0].trim() ?? `exit code ${result.status}`;
      return { binary: null, why };
    }
  }
  return { binary: path.join(electronDir, 'dist', readFileSync(pathFile, 'utf8')), why: null };
}

/** Runs a program in the foreground: signals go to it, and this process ends with it (or with its parent). */
function foreground(command, args) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', shell: windows && command.endsWith('.cmd') });
  let signalled = false;
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.on(signal, () => {
      signalled = true;
      child.kill(signal);
    });
  // npm runs scripts through `sh -c`, which dies of a SIGTERM sent to npm without passing it on: stop with it
  // (once: a second signal tells the console to exit without waiting for its jobs).
  const parent = process.ppid;
  setInterval(() => {
    if (signalled || process.ppid === parent) return;
    signalled = true;
    child.kill('SIGTERM');
  }, 1000).unref();
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const step = (command, args) => {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: windows });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

const { binary, why } = electronBinary();
if (!binary) {
  console.log(`jobdeck: Electron's binary could not be downloaded (${why}).`);
  console.log('jobdeck: starting the same console in web mode instead (npm run serve -- --demo): open the address it prints.');
  foreground(process.execPath, [path.join(root, 'scripts', 'serve.mjs'), '--demo', ...process.argv.slice(2)]);
} else {
  const bin = (name) => path.join(root, 'node_modules', '.bin', windows ? `${name}.cmd` : name);
  step(bin('electron-vite'), ['build']);
  step(process.execPath, [path.join(root, 'scripts', 'electron-native.mjs')]);
  foreground(binary, ['.', ...process.argv.slice(2)]);
}

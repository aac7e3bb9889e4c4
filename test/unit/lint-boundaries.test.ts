import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * The project's own eslint.config.js, minus type information: the boundary rules read only the import
 * statements, and a virtual file outside every tsconfig could not be type-checked anyway.
 */
const eslint = new ESLint({
  cwd: root,
  overrideConfig: { files: ['**/*.{ts,tsx}'], ...tseslint.configs.disableTypeChecked },
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports' || ruleId === 'no-restricted-syntax',
});

/** The boundary messages for `code` as if it were the file at `file` (which need not exist). */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  assert.equal(result.fatalErrorCount, 0, result.messages.map((m) => m.message).join('\n'));
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

async function assertRefused(file: string, code: string, pattern: RegExp): Promise<void> {
  const errors = await boundaryErrors(file, code);
  assert.ok(errors.length > 0, `${file} should refuse: ${code}`);
  assert.match(errors.join('\n'), pattern);
}

async function assertAllowed(file: string, code: string): Promise<void> {
  assert.deepEqual(await boundaryErrors(file, code), [], `${file} should allow: ${code}`);
}

test('the engine knows nothing of Electron, HTTP servers or its hosts', async () => {
  const file = 'src/engine/jobs/lint-fixture.ts';
  await assertRefused(file, "import { app } from 'electron';", /Electron/);
  await assertRefused(file, "import type { WebContents } from 'electron';", /Electron/);
  await assertRefused(file, "import http from 'node:http';", /serves no HTTP/);
  await assertRefused(file, "import { createServer } from 'node:net';", /opens no server/);
  await assertRefused(file, "import { startWebServer } from '../../server/web-server.ts';", /hosts/);
  await assertRefused(file, "const { app } = await import('electron');", /Electron/);
  // The two named exceptions open servers that are not transports, and are held to the rest.
  await assertAllowed('src/engine/demo/fake-llm.ts', "import http from 'node:http';");
  await assertRefused('src/engine/demo/fake-llm.ts', "import { app } from 'electron';", /Electron/);
  // The alerts' webhook post is an HTTP client: it may make requests, never serve.
  await assertAllowed('src/engine/alerts/webhook-post.ts', "import http from 'node:http';\nimport https from 'node:https';");
  await assertRefused('src/engine/alerts/webhook-post.ts', "import { createServer } from 'node:http';", /serves no HTTP/);
  await assertAllowed(
    file,
    "import { createHash } from 'node:crypto';\nimport type { AddressInfo } from 'node:net';\nimport { OpError } from '../../shared/contract/index.ts';\nimport { openStore } from '../store/db.ts';",
  );
});

test('the renderer and the shared contract use no Node, no Electron and nothing of the engine', async () => {
  await assertRefused('src/renderer/src/views/lint-fixture.tsx', "import { readFileSync } from 'node:fs';", /without Node/);
  await assertRefused('src/renderer/src/views/lint-fixture.tsx', "import path from 'path';", /without Node/);
  await assertRefused(
    'src/renderer/src/lint-fixture.ts',
    "import { createEngine } from '../../engine/index.ts';",
    /only through the contract/,
  );
  await assertRefused('src/shared/lint-fixture.ts', "import { createEngine } from '../engine/index.ts';", /depends on nothing/);
  await assertRefused('src/shared/model/lint-fixture.ts', "export type { Engine } from '../../engine/index.ts';", /depends on nothing/);
  await assertRefused('src/shared/model/lint-fixture.ts', "import { createHash } from 'node:crypto';", /without Node/);
  await assertRefused('src/shared/lint-fixture.ts', "import { ipcRenderer } from 'electron';", /Electron/);
  await assertAllowed(
    'src/renderer/src/views/lint-fixture.tsx',
    "import { useState } from 'react';\nimport { formatAge } from '../format.ts';\nimport type { JobRow } from '../../../shared/model/jobs.ts';",
  );
  await assertAllowed('src/shared/model/lint-fixture.ts', "import { z } from 'zod';\nimport type { JobState } from './job-state.ts';");
});

test('the companion imports nothing of the console', async () => {
  const file = 'src/worker/lint-fixture.ts';
  await assertRefused(file, "import { createEngine } from '../engine/index.ts';", /imports nothing of the console/);
  await assertRefused(file, "import { isTrustedSender } from '../main/trusted-sender.ts';", /imports nothing of the console/);
  await assertRefused(file, "import Database from 'better-sqlite3';", /no Electron, React or SQLite/);
  await assertAllowed(file, "import type { GraphileConfig } from 'graphile-config';\nimport { randomUUID } from 'node:crypto';");
});

test('raw ipcMain and ipcRenderer stay in the transports', async () => {
  await assertRefused('src/main/lint-fixture.ts', "import { ipcMain } from 'electron';", /Raw IPC/);
  await assertRefused('src/main/lint-fixture.ts', "import * as electron from 'electron';", /named members/);
  await assertRefused('src/renderer/src/lint-fixture.ts', "import { ipcRenderer } from 'electron';", /Electron/);
  await assertRefused('test/unit/lint-fixture.ts', "import { ipcRenderer } from 'electron';", /Raw IPC/);
  await assertAllowed('src/preload/lint-fixture.ts', "import { contextBridge, ipcRenderer } from 'electron';");
  await assertAllowed('src/main/ipc-setup.ts', "import { ipcMain, webContents } from 'electron';");
  await assertAllowed('src/main/lint-fixture.ts', "import { BrowserWindow, type IpcMainInvokeEvent } from 'electron';");
});

test('the sandboxed preload bridges the contract and nothing else', async () => {
  await assertRefused('src/preload/lint-fixture.ts', "import { readFileSync } from 'node:fs';", /nothing but electron/);
  await assertRefused('src/preload/lint-fixture.ts', "import { createEngine } from '../engine/index.ts';", /bridges the contract/);
  await assertAllowed('src/preload/lint-fixture.ts', "import { OP_NAMES } from '../shared/contract/index.ts';");
});

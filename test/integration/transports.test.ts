import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { request } from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';
import { contract, ipcChannel, IPC_EVENT_CHANNEL, OP_NAMES, type OpResult } from '../../src/shared/contract/index.ts';
import { registerIpcTransport } from '../../src/main/ipc-transport.ts';
import { buildBridge } from '../../src/preload/bridge.ts';
import { startWebServer, type WebServer } from '../../src/server/web-server.ts';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

let db: TestPostgres;
let te: TestEngine;
let web: WebServer;
const staticDir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-static-'));

before(async () => {
  db = await startTestPostgres();
  te = await startTestEngine({ databaseUrl: db.connectionString, runner: false });
  web = await startWebServer({ engine: te.engine, staticDir });
});
after(async () => {
  await web?.close();
  await te?.close();
  await db?.close();
  rmSync(staticDir, { recursive: true, force: true });
});

/** Whether a TCP connection to `host:port` is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(5_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Electron's ipcMain cannot run here: a recorder with the same two methods stands in for it. */
function fakeIpcMain() {
  const handlers = new Map<string, (event: unknown, input: unknown) => Promise<unknown>>();
  return {
    handlers,
    handle: (channel: string, fn: (event: unknown, input: unknown) => Promise<unknown>) => void handlers.set(channel, fn),
    removeHandler: (channel: string) => void handlers.delete(channel),
  };
}

async function http(name: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${web.port}/api/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${web.token}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as OpResult<unknown> };
}

describe('one contract, two transports', () => {
  test('the IPC transport registers exactly one channel per contract operation', () => {
    const ipc = fakeIpcMain();
    const off = registerIpcTransport(te.engine, { ipcMain: ipc as never, isTrustedSender: () => true, webContents: () => [] });
    assert.deepEqual([...ipc.handlers.keys()].sort(), OP_NAMES.map(ipcChannel).sort());
    off();
    assert.equal(ipc.handlers.size, 0);
  });

  test('the HTTP transport serves exactly the contract operations', async () => {
    const served: string[] = [];
    for (const name of OP_NAMES) {
      // Empty input: valid or invalid, the operation must be known to the transport.
      const { body } = await http(name, {});
      if (body.ok || body.error.code !== 'unknown_operation') served.push(name);
    }
    assert.deepEqual(served, OP_NAMES);
    const unknown = await http('jobs.dropEverything', {});
    assert.equal(unknown.status, 404);
    assert.equal(!unknown.body.ok && unknown.body.error.code, 'unknown_operation');
    // Prototype keys are not operations.
    assert.equal((await http('constructor', {})).status, 404);
  });

  test('the preload exposes one method per operation, grouped by domain, bound to its channel', async () => {
    const invoked: [string, unknown][] = [];
    const bridge = buildBridge({
      invoke: (channel: string, input: unknown) => {
        invoked.push([channel, input]);
        return Promise.resolve();
      },
      on: () => undefined as never,
      removeListener: () => undefined as never,
    });
    const methods = Object.entries(bridge)
      .filter(([key]) => key !== 'onEvent')
      .flatMap(([domain, group]) => Object.keys(group as object).map((m) => `${domain}.${m}`))
      .sort();
    assert.deepEqual(methods, OP_NAMES);
    await (bridge.overview as Record<string, (i: unknown) => Promise<unknown>>).get({});
    assert.deepEqual(invoked, [[ipcChannel('overview.get'), {}]]);
    assert.equal(typeof bridge.onEvent, 'function');
    assert.equal(IPC_EVENT_CHANNEL, 'jobdeck:event');
  });

  test('both transports give the same answer and the same validation error', async () => {
    const ipc = fakeIpcMain();
    const off = registerIpcTransport(te.engine, { ipcMain: ipc as never, isTrustedSender: () => true, webContents: () => [] });
    const viaIpc = (await ipc.handlers.get(ipcChannel('connections.list'))!({}, {})) as OpResult<unknown>;
    const viaHttp = await http('connections.list', {});
    assert.deepEqual(viaIpc, viaHttp.body);
    const badIpc = (await ipc.handlers.get(ipcChannel('overview.depth'))!({}, { minutes: -1 })) as OpResult<unknown>;
    const badHttp = await http('overview.depth', { minutes: -1 });
    assert.equal(badHttp.status, 400);
    assert.deepEqual(badIpc, badHttp.body);
    assert.equal(!badIpc.ok && badIpc.error.code, 'invalid_input');
    off();
  });

  test('IPC refuses an untrusted sender before reaching the engine', async () => {
    const ipc = fakeIpcMain();
    const off = registerIpcTransport(te.engine, { ipcMain: ipc as never, isTrustedSender: () => false, webContents: () => [] });
    const result = (await ipc.handlers.get(ipcChannel('app.status'))!({}, {})) as OpResult<unknown>;
    assert.equal(!result.ok && result.error.code, 'unauthorized');
    off();
  });
});

describe('web mode guards', () => {
  test('every /api request without the token is refused with 401', async () => {
    for (const name of ['app.status', 'overview.get', 'connections.list', 'events']) {
      const res = await fetch(`http://127.0.0.1:${web.port}/api/${name}`, {
        method: name === 'events' ? 'GET' : 'POST',
        body: name === 'events' ? undefined : '{}',
      });
      assert.equal(res.status, 401, name);
    }
    assert.equal((await http('app.status', {}, { authorization: `Bearer ${web.token}x` })).status, 401);
  });

  test('a request naming another host is refused (DNS rebinding)', async () => {
    // fetch cannot set Host: use node:http, as a rebinding page's browser would send it.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: web.port,
          path: '/api/app.status',
          method: 'POST',
          headers: { host: 'evil.example', authorization: `Bearer ${web.token}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(status, 401);
  });

  test('malformed JSON gets a clear 400, an oversized body a 413, and neither changes anything', async () => {
    const bad = await http('connections.save', '{"name": ');
    assert.equal(bad.status, 400);
    assert.match(!bad.body.ok ? bad.body.error.message : '', /not valid JSON/);
    const huge = await http('connections.save', JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }));
    assert.equal(huge.status, 413);
    assert.match(!huge.body.ok ? huge.body.error.message : '', /larger than 1 MiB/);
    assert.equal(((await http('connections.list', {})).body as { data: unknown[] }).data.length, 1);
  });

  test('the server binds 127.0.0.1 only and the event stream starts with the status', async () => {
    assert.match(web.url, /^http:\/\/127\.0\.0\.1:\d+\/#token=/);
    // Bound to 127.0.0.1 itself, not to every address: nothing answers on the machine's other addresses (another
    // loopback address, IPv6, the network interfaces), where a server bound to 0.0.0.0 or :: would.
    assert.equal(await accepts('127.0.0.1', web.port), true);
    const others = [
      ...(process.platform === 'linux' ? ['127.0.0.2'] : []),
      '::1',
      ...Object.values(os.networkInterfaces())
        .flat()
        .filter((a) => a && !a.internal && !a.scopeid)
        .map((a) => a!.address),
    ];
    for (const address of others) assert.equal(await accepts(address, web.port), false, `reachable on ${address}`);
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${web.port}/api/events`, {
      headers: { authorization: `Bearer ${web.token}` },
      signal: controller.signal,
    });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const { value } = await reader.read();
    controller.abort();
    assert.match(Buffer.from(value!).toString('utf8'), /^data: \{"type":"status"/);
  });

  test('the contract declares an input schema, access and summary for every operation', () => {
    for (const name of OP_NAMES) {
      const op = contract[name];
      assert.ok(op.input && typeof op.input.safeParse === 'function', name);
      assert.ok(['read', 'local', 'write'].includes(op.access), name);
      assert.ok(op.summary.length > 10, name);
    }
  });
});

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTP_STATUS, type JobdeckEvent, type OpResult } from '../shared/contract/index.ts';
import type { Engine } from '../engine/index.ts';
import { serveStatic } from './static-files.ts';

export interface HttpTransportOptions {
  engine: Engine;
  token: string;
  /** Folder of the built renderer. */
  staticDir: string;
  /** Port the server listens on: the Host header must name it (a DNS-rebinding guard). */
  port: () => number;
}

const MAX_BODY = 1024 * 1024;

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(JSON.stringify(body));
}

const fail = (res: ServerResponse, code: keyof typeof HTTP_STATUS, message: string) =>
  sendJson(res, HTTP_STATUS[code], { ok: false, error: { code, message } } satisfies OpResult<never>);

const TOO_LARGE = 'Request body larger than 1 MiB';

class BodyTooLarge extends Error {}

async function readJson(req: IncomingMessage): Promise<unknown> {
  // A declared length over the limit is refused before a byte is read; a body that grows past it, as it does.
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) throw new BodyTooLarge(TOO_LARGE);
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BodyTooLarge(TOO_LARGE);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  return text ? JSON.parse(text) : {};
}

/**
 * The HTTP transport: `POST /api/<operation>` with JSON in and out, `GET /api/events` as server-sent events.
 * It knows no operation by name: everything goes through `engine.call`, which validates.
 */
export function createHttpHandler(options: HttpTransportOptions) {
  const { engine, token } = options;
  const allowedHosts = () => [`127.0.0.1:${options.port()}`, `localhost:${options.port()}`];

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!allowedHosts().includes(req.headers.host ?? '')) return fail(res, 'unauthorized', 'Unexpected Host header');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return fail(res, 'invalid_input', 'Malformed request path');
    }
    if (!url.pathname.startsWith('/api/')) return serveStatic(options.staticDir, url, res);

    // The scheme's name is case-insensitive (RFC 9110 §11.1): `bearer <token>` is as good as `Bearer <token>`.
    const auth = req.headers.authorization ?? '';
    if (auth.slice(0, 7).toLowerCase() !== 'bearer ' || !sameToken(auth.slice(7), token)) {
      return fail(
        res,
        'unauthorized',
        'Missing or wrong access token: open the URL Jobdeck printed when it started (its #token=… part carries the token)',
      );
    }
    const name = url.pathname.slice('/api/'.length);
    // The event stream is read with GET; every operation is called with POST.
    const method = name === 'events' ? 'GET' : 'POST';
    if (req.method !== method) {
      res.setHeader('allow', method);
      return fail(res, 'method_not_allowed', method === 'GET' ? 'Use GET /api/events' : `Use POST /api/${name} with a JSON body`);
    }
    if (name === 'events') return streamEvents(engine, req, res);
    let input: unknown;
    try {
      input = await readJson(req);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        // The rest of an oversized body is never read: close the connection rather than reuse a confused one.
        res.setHeader('connection', 'close');
        return fail(res, 'too_large', error.message);
      }
      return fail(res, 'invalid_input', `Body is not valid JSON: ${(error as Error).message}`);
    }
    const result = await engine.call(name, input);
    sendJson(res, result.ok ? 200 : HTTP_STATUS[result.error.code], result);
  };
}

/** Server-sent events: the current status and overview at once, then every change. */
function streamEvents(engine: Engine, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const send = (event: JobdeckEvent) => res.write(`data: ${JSON.stringify(event)}\n\n`);
  for (const event of engine.initialEvents()) send(event);
  const unsubscribe = engine.subscribe(send);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  req.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
}

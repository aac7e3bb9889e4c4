import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { answerFields, proseAnswer, truncatedJson } from './fake-answers.ts';
import { completionBody, errorBody, parseChatRequest } from './fake-wire.ts';

/** Probability (0..1) of each production failure; whatever is left over succeeds. */
export interface FailureMix {
  quota: number;
  timeout: number;
  invalidJson: number;
  missingFields: number;
  serverError: number;
}

/** Roughly what a busy pipeline sees from a hosted provider on a bad day. */
export const DEFAULT_FAILURE_MIX: Readonly<FailureMix> = Object.freeze({
  quota: 0.06,
  timeout: 0.03,
  invalidJson: 0.04,
  missingFields: 0.03,
  serverError: 0.03,
});

export const QUOTA_MESSAGE = 'You exceeded your current quota, please check your plan and billing details.';
export const OVERLOADED_MESSAGE = 'The server is overloaded or not ready yet.';
export const SERVER_ERROR_MESSAGE = 'The server had an error while processing your request. Sorry about that!';
export const BAD_GATEWAY_MESSAGE = 'Bad gateway.';

export interface FakeLlmOptions {
  port?: number;
  apiKey?: string;
  latencyMs?: [number, number];
  mix?: Partial<FailureMix>;
  /** Seeds the draw of outcomes and latencies, for reproducible runs. */
  seed?: number;
}

/** A running simulated OpenAI-compatible provider. */
export interface FakeLlm {
  /** Ends with `/v1`, like `https://api.openai.com/v1`. */
  baseUrl: string;
  apiKey: string;
  setMix(mix: Partial<FailureMix>): void;
  setLatency(range: [number, number]): void;
  /** `inFlight` counts requests the server still holds (waiting out latency or a simulated timeout). */
  stats(): { requests: number; byOutcome: Record<string, number>; inFlight: number };
  close(): Promise<void>;
}

const MIX_KEYS = Object.keys(DEFAULT_FAILURE_MIX) as (keyof FailureMix)[];
// A "timeout" holds the request until the client gives up; this cap only stops a client without a timeout
// from holding it forever (the real API cuts requests off after about 10 minutes too).
const MAX_HOLD_MS = 10 * 60_000;

/** Merges a patch into a mix. Values must be 0..1; if they add up to more than 1 they are scaled down to 1. */
export function mergeMix(base: FailureMix, patch: Partial<FailureMix> = {}): FailureMix {
  const merged = { ...base };
  for (const key of MIX_KEYS) {
    const value = patch[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0 || value > 1) throw new RangeError(`mix.${key} must be 0..1, got ${value}`);
    merged[key] = value;
  }
  const total = MIX_KEYS.reduce((sum, key) => sum + merged[key], 0);
  if (total > 1) for (const key of MIX_KEYS) merged[key] /= total;
  return merged;
}

function checkLatency([min, max]: [number, number]): [number, number] {
  if (!(min >= 0 && max >= min && Number.isFinite(max))) throw new RangeError(`latency range must be 0 <= min <= max`);
  return [min, max];
}

/** mulberry32: tiny seedable PRNG. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Starts a simulated OpenAI-compatible chat-completions provider on 127.0.0.1. */
export async function startFakeLlm(options: FakeLlmOptions = {}): Promise<FakeLlm> {
  const apiKey = options.apiKey ?? `sk-fake-${randomBytes(12).toString('hex')}`;
  const random = seededRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  let mix = mergeMix({ ...DEFAULT_FAILURE_MIX }, options.mix);
  let latency = checkLatency(options.latencyMs ?? [150, 900]);
  let requests = 0;
  const byOutcome: Record<string, number> = Object.fromEntries(['ok', ...MIX_KEYS].map((k) => [k, 0]));
  // Cancels for every request the server is holding, so close() can end them.
  const held = new Set<() => void>();

  const drawOutcome = (): keyof FailureMix | 'ok' => {
    let roll = random();
    for (const key of MIX_KEYS) {
      if (roll < mix[key]) return key;
      roll -= mix[key];
    }
    return 'ok';
  };

  /** Resolves true after `ms`, or false as soon as the client goes away or the server closes. */
  const hold = (res: http.ServerResponse, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const done = (elapsed: boolean) => {
        clearTimeout(timer);
        res.off('close', onClose);
        held.delete(onClose);
        resolve(elapsed);
      };
      const onClose = () => done(false);
      const timer = setTimeout(() => done(true), ms);
      res.on('close', onClose);
      held.add(onClose);
    });

  const send = (res: http.ServerResponse, outcome: string, status: number, body: string) => {
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
    res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_${randomBytes(12).toString('hex')}` });
    res.end(body);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests++;
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const auth = req.headers.authorization;
    if (auth !== `Bearer ${apiKey}`) {
      const given = auth?.replace(/^Bearer\s+/i, '') ?? '';
      const message = given
        ? `Incorrect API key provided: ${given.slice(0, 3)}***${given.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`
        : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
      return send(res, 'unauthorized', 401, errorBody(message, 'invalid_request_error', given ? 'invalid_api_key' : null));
    }
    if (req.method === 'GET' && path === '/v1/models') {
      // What a settings screen calls to check a provider; it lists the one model the fake pretends to be.
      return send(
        res,
        'models',
        200,
        JSON.stringify({ object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' }] }),
      );
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      return send(res, 'notFound', 404, errorBody(`Invalid URL (${req.method} ${path})`, 'invalid_request_error', null));
    }
    let raw = '';
    req.setEncoding('utf8');
    for await (const chunk of req) raw += chunk;
    const request = parseChatRequest(raw);
    if (!request) {
      return send(res, 'badRequest', 400, errorBody('We could not parse the JSON body of your request.', 'invalid_request_error', null));
    }
    const outcome = drawOutcome();
    if (outcome === 'timeout') {
      byOutcome.timeout++;
      if (await hold(res, MAX_HOLD_MS)) res.writeHead(504).end();
      else res.destroy();
      return;
    }
    const [min, max] = latency;
    if (!(await hold(res, min + random() * (max - min)))) return void res.destroy();

    const userText = request.messages
      .filter((m) => m.role === 'user')
      .map((m) => m.content)
      .join('\n');
    const answer = answerFields(request.requiredFields, userText);
    switch (outcome) {
      case 'quota':
        return send(res, outcome, 429, errorBody(QUOTA_MESSAGE, 'insufficient_quota', 'insufficient_quota'));
      case 'serverError': {
        const pick = Math.floor(random() * 3);
        if (pick === 0) return send(res, outcome, 500, errorBody(SERVER_ERROR_MESSAGE, 'server_error', null));
        if (pick === 1) return send(res, outcome, 502, errorBody(BAD_GATEWAY_MESSAGE, 'cf_bad_gateway', 502));
        return send(res, outcome, 503, errorBody(OVERLOADED_MESSAGE, 'server_error', null));
      }
      case 'invalidJson':
        return random() < 0.5
          ? send(res, outcome, 200, completionBody(request, proseAnswer(userText), 'stop'))
          : send(res, outcome, 200, completionBody(request, truncatedJson(answer), 'length'));
      case 'missingFields': {
        // Drop one required field (or all but the first): models often skip a field they find no answer for.
        const keys = Object.keys(answer);
        const dropOne = keys.length < 2 || random() < 0.5;
        const drop = new Set(dropOne ? [keys[Math.floor(random() * keys.length)]] : keys.slice(1));
        const partial = Object.fromEntries(Object.entries(answer).filter(([k]) => !drop.has(k)));
        return send(res, outcome, 200, completionBody(request, JSON.stringify(partial), 'stop'));
      }
      default:
        return send(res, 'ok', 200, completionBody(request, JSON.stringify(answer), 'stop'));
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 'serverError', 500, errorBody(`Fake provider bug: ${String(error)}`, 'server_error', null));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiKey,
    setMix: (patch) => void (mix = mergeMix(mix, patch)),
    setLatency: (range) => void (latency = checkLatency(range)),
    stats: () => ({ requests, byOutcome: { ...byOutcome }, inFlight: held.size }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const cancel of [...held]) cancel();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

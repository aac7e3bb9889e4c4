import {
  splitOpName,
  type JobdeckApi,
  type JobdeckBridge,
  type JobdeckEvent,
  type OpErrorBody,
  type OpName,
  type OpResult,
} from '../../../shared/contract/index.ts';
import { httpTransport } from './http.ts';
import { readableInputMessage } from './readable-input.ts';

/** An operation's failure as the UI sees it: the engine's code and plain message. */
export class ApiError extends Error {
  readonly code: OpErrorBody['code'];
  /** The engine's reference for an internal error (it is in the engine's log under this id). */
  readonly correlationId: string | null;
  constructor(body: OpErrorBody) {
    super(body.message);
    this.code = body.code;
    this.correlationId = body.correlationId ?? null;
  }
}

/**
 * A failure in words for a toast or an error panel: the engine's message, and its reference when it has one,
 * so an operator can quote it and the engine's log can be searched for it.
 */
export function errorMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const message = error instanceof ApiError && error.code === 'invalid_input' ? readableInputMessage(raw) : raw;
  return error instanceof ApiError && error.correlationId ? `${message} (reference: ${error.correlationId})` : message;
}

export interface Transport {
  call(name: OpName, input: unknown): Promise<OpResult<unknown>>;
  subscribe(listener: (event: JobdeckEvent) => void): () => void;
}

function ipcTransport(bridge: JobdeckBridge): Transport {
  return {
    call(name, input) {
      const [domain, method] = splitOpName(name);
      const group = (bridge as unknown as Record<string, Record<string, (i: unknown) => Promise<OpResult<unknown>>>>)[domain];
      return group[method](input);
    },
    subscribe: (listener) => bridge.onEvent(listener),
  };
}

/** The desktop's preload bridge when there is one, HTTP otherwise (web mode). */
function pickTransport(): Transport {
  const bridge = (window as unknown as { jobdeck?: JobdeckBridge }).jobdeck;
  return bridge ? ipcTransport(bridge) : httpTransport();
}

const transport = pickTransport();

export const isDesktop = !!(window as unknown as { jobdeck?: unknown }).jobdeck;

/** The typed API: `await api.call('overview.get', {})`; failures throw ApiError. */
export const api: JobdeckApi = {
  async call(name, input) {
    const result = await transport.call(name, input);
    if (!result.ok) throw new ApiError(result.error);
    return result.data as never;
  },
  subscribe: (listener) => transport.subscribe(listener),
};

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

/** An operation's failure as the UI sees it: the engine's code and plain message. */
export class ApiError extends Error {
  readonly code: OpErrorBody['code'];
  constructor(body: OpErrorBody) {
    super(body.message);
    this.code = body.code;
  }
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

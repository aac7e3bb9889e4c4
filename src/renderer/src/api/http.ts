import type { JobdeckEvent, OpName, OpResult } from '../../../shared/contract/index.ts';
import type { Transport } from './client.ts';
import { takeToken } from './token-in-hash.ts';

const TOKEN_KEY = `jobdeck-token:${location.port}`;

/** Said on `window` when a new token arrived in the fragment: the app reads everything again with it. */
export const TOKEN_CHANGED_EVENT = 'jobdeck:token-changed';

/**
 * The web-mode token arrives in the URL fragment (`#token=…` or a view's `?token=…`, never sent to a server); keep
 * it for this origin and take it out of the address bar. Returns the token found there, or null.
 */
function tokenFromHash(): string | null {
  const found = takeToken(location.hash);
  if (!found) return null;
  localStorage.setItem(TOKEN_KEY, found.token);
  history.replaceState(null, '', location.pathname + location.search + found.rest);
  return found.token;
}

const unauthorized: OpResult<never> = {
  ok: false,
  error: {
    code: 'unauthorized',
    message: 'No access token: open the URL Jobdeck printed when it started (`npm start` or `npm run serve`)',
  },
};

export function httpTransport(): Transport {
  let token = tokenFromHash() ?? localStorage.getItem(TOKEN_KEY) ?? '';
  const headers = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  /** Open event streams, restarted with the new token when one arrives. */
  const streams = new Set<() => void>();
  // A restarted server prints a new URL: pasted into this open tab it changes only the fragment, so no reload
  // happens. Registered before the router's listener (this module is imported first), so the route never sees it.
  window.addEventListener('hashchange', () => {
    const next = tokenFromHash();
    if (next === null || next === token) return;
    token = next;
    for (const restart of streams) restart();
    window.dispatchEvent(new Event(TOKEN_CHANGED_EVENT));
  });
  return {
    async call(name: OpName, input: unknown): Promise<OpResult<unknown>> {
      if (!token) return unauthorized;
      try {
        const res = await fetch(`/api/${name}`, { method: 'POST', headers: headers(), body: JSON.stringify(input ?? {}) });
        return (await res.json()) as OpResult<unknown>;
      } catch (error) {
        return { ok: false, error: { code: 'unavailable', message: `Jobdeck's server is not answering (${(error as Error).message})` } };
      }
    },
    /** Server-sent events read with fetch (EventSource cannot send the token header); reconnects on loss. */
    subscribe(listener: (event: JobdeckEvent) => void) {
      let controller = new AbortController();
      const connect = async (attempt: number): Promise<void> => {
        const { signal } = controller;
        try {
          const res = await fetch('/api/events', { headers: headers(), signal });
          if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
          attempt = 0;
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const chunk = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = chunk
                .split('\n')
                .filter((l) => l.startsWith('data: '))
                .map((l) => l.slice(6))
                .join('\n');
              if (data) listener(JSON.parse(data) as JobdeckEvent);
            }
          }
        } catch {
          if (signal.aborted) return;
        }
        if (!signal.aborted) setTimeout(() => void connect(attempt + 1), Math.min(500 * 2 ** attempt, 10_000));
      };
      const restart = () => {
        controller.abort();
        controller = new AbortController();
        void connect(0);
      };
      streams.add(restart);
      if (token) void connect(0);
      return () => {
        streams.delete(restart);
        controller.abort();
      };
    },
  };
}

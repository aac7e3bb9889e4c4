import type { JobdeckEvent, OpName, OpResult } from '../../../shared/contract/index.ts';
import type { Transport } from './client.ts';

const TOKEN_KEY = `jobdeck-token:${location.port}`;

/**
 * The web-mode token arrives in the URL fragment (`#token=…`, never sent to a server); keep it for this
 * origin and take it out of the address bar.
 */
function takeToken(): string {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    localStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search + location.hash.replace(/[#&]?token=[^&]+/, '').replace(/^&/, '#'));
  }
  return localStorage.getItem(TOKEN_KEY) ?? '';
}

const unauthorized: OpResult<never> = {
  ok: false,
  error: { code: 'unauthorized', message: 'No access token: open the URL that `npm run serve` printed' },
};

export function httpTransport(): Transport {
  const token = takeToken();
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return {
    async call(name: OpName, input: unknown): Promise<OpResult<unknown>> {
      if (!token) return unauthorized;
      try {
        const res = await fetch(`/api/${name}`, { method: 'POST', headers, body: JSON.stringify(input ?? {}) });
        return (await res.json()) as OpResult<unknown>;
      } catch (error) {
        return { ok: false, error: { code: 'unavailable', message: `Jobdeck's server is not answering (${(error as Error).message})` } };
      }
    },
    /** Server-sent events read with fetch (EventSource cannot send the token header); reconnects on loss. */
    subscribe(listener: (event: JobdeckEvent) => void) {
      const controller = new AbortController();
      const connect = async (attempt: number): Promise<void> => {
        try {
          const res = await fetch('/api/events', { headers, signal: controller.signal });
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
          if (controller.signal.aborted) return;
        }
        if (!controller.signal.aborted) setTimeout(() => void connect(attempt + 1), Math.min(500 * 2 ** attempt, 10_000));
      };
      if (token) void connect(0);
      return () => controller.abort();
    },
  };
}

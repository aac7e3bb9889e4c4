import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the receiver does with a post: answer 200, answer 500, never answer, or answer 200 and stream its body without end. */
export type ReceiverMode = 'ok' | 'error' | 'hang' | 'stream';

export interface WebhookReceiver {
  /** Where to post; it changes at each reset(). */
  readonly url: string;
  /** Every body received (parsed JSON), whatever the answer. */
  received: { text: string; jobdeck: { message: string; alert: { id: number; title: string; state: string; flaps: number } } }[];
  mode: ReceiverMode;
  /**
   * Empties `received`, sets the mode back to 'ok' and gives the receiver a new `url`: posts to an earlier one are
   * answered but not recorded. Under load, a delivery the engine already gave up on (its timeout) can still reach
   * the receiver later, whenever its bytes are read, and it belongs to the test that sent it, not to the next one.
   */
  reset(): void;
  close(): Promise<void>;
}

/** A real HTTP receiver on 127.0.0.1:0, standing in for Slack's incoming webhook. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const hanging = new Set<http.ServerResponse>();
  let generation = 0;
  const pathOf = (g: number) => `/services/T000/B000/secret${g}`;
  const receiver: WebhookReceiver = {
    get url() {
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}${pathOf(generation)}`;
    },
    received: [],
    mode: 'ok',
    reset() {
      generation++;
      receiver.received.length = 0;
      receiver.mode = 'ok';
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += String(d)));
    req.on('end', () => {
      if (req.url === pathOf(generation)) receiver.received.push(JSON.parse(body) as WebhookReceiver['received'][number]);
      if (receiver.mode === 'hang') return void hanging.add(res);
      if (receiver.mode === 'stream') {
        hanging.add(res);
        res.writeHead(200, { 'content-type': 'text/plain' });
        const drip = setInterval(() => res.write('.'), 100);
        res.on('close', () => clearInterval(drip));
        return;
      }
      res.writeHead(receiver.mode === 'ok' ? 200 : 500, { 'content-type': 'text/plain' }).end(receiver.mode === 'ok' ? 'ok' : 'broken');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return receiver;
}

import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { blockedAddressReason } from './webhook-url.ts';

/**
 * The one outgoing HTTP client of the engine: a JSON POST to the operator's webhook. It opens no server (the
 * lint exception is for this). The addresses are checked at connect time, in the socket's own lookup, so a
 * name that resolves elsewhere between the check and the post (DNS rebinding) is refused too. Redirects are
 * not followed (one could point at a metadata address).
 */
const checkedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 4);
    for (const { address } of addresses) {
      const reason = blockedAddressReason(address);
      if (reason) return callback(Object.assign(new Error(`${hostname} resolves to ${reason}`), { code: 'EBLOCKED' }), '', 4);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
};

export interface PostResult {
  status: number;
}

/** Posts `body` as JSON; resolves with the HTTP status, rejects on a network error or after `timeoutMs`. */
export function postJson(url: URL, body: unknown, timeoutMs: number, stop: AbortSignal): Promise<PostResult> {
  const payload = Buffer.from(JSON.stringify(body));
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': payload.length, 'user-agent': 'Jobdeck alerts' },
        lookup: checkedLookup,
        timeout: timeoutMs,
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]),
      },
      (response) => {
        // The status is the answer: a receiver that then streams its body without end (or a byte at a time) must not
        // hold the delivery, nor the operator's Test, past its deadline. The body is read and dropped in the
        // background, so the socket is freed, and cut off at the deadline.
        resolve({ status: response.statusCode ?? 0 });
        const cut = setTimeout(() => response.destroy(), timeoutMs);
        cut.unref();
        response.on('close', () => clearTimeout(cut));
        response.on('error', () => {});
        response.resume();
      },
    );
    request.on('timeout', () => request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    request.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        stop.aborted
          ? new Error('Jobdeck stopped')
          : error.name === 'AbortError' || error.name === 'TimeoutError'
            ? new Error(`no answer within ${timeoutMs} ms`)
            : error,
      ),
    );
    request.end(payload);
  });
}

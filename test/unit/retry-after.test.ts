import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDelay, parseRetryAfter } from '../../src/shared/errors/retry-after.ts';

const AT = new Date('2026-12-02T10:00:00.000Z');
const after = (message: string) => {
  const t = parseRetryAfter(message, AT);
  return t === null ? null : t.getTime() - AT.getTime();
};

test('delays in the forms providers print them', () => {
  const cases: [string, number][] = [
    ['429 Too Many Requests: the model is overloaded, please retry after 20 seconds', 20_000],
    ['Rate limit exceeded, retry after 20s', 20_000],
    ['Rate limit reached for gpt-4o on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again in 1m30s.', 90_000],
    ['Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.', 120],
    ['Please try again in 2.5s. Visit https://platform.openai.com/account/rate-limits', 2_500],
    ['Please try again in 6m0s.', 360_000],
    ['Error code: 429 - Please try again in 3s #4', 3_000],
    ['HTTP 429, Retry-After: 20', 20_000],
    ["google.api_core.exceptions.ResourceExhausted: 429 Quota exceeded. 'retryDelay': '37s'", 37_000],
    ['rate limited; retry in 1 minute and 30 seconds', 90_000],
    ['Too many requests. Please wait 45 seconds before trying again', 45_000],
    ['x-ratelimit-reset-tokens: 1h2m', 3_720_000],
  ];
  for (const [message, ms] of cases) assert.equal(after(message), ms, message);
});

test('reset times: an ISO time, a UTC clock time (the next one), unix seconds', () => {
  assert.equal(after('Your quota resets at 2026-12-02T10:05:00Z'), 300_000);
  assert.equal(after('daily quota, resets at 2026-12-02 11:00:00'), 3_600_000);
  assert.equal(after('quota exhausted: resets at 14:00 UTC'), 4 * 3_600_000);
  // 09:30 UTC has passed today: tomorrow's.
  assert.equal(after('quota exhausted: resets at 09:30 UTC'), 23.5 * 3_600_000);
  assert.equal(after(`x-ratelimit-reset: ${AT.getTime() / 1000 + 42}`), 42_000);
});

test('nothing named, or nothing believable: null', () => {
  for (const message of [
    'You exceeded your current quota, please check your plan and billing details.',
    'Error code: 429 - Too Many Requests',
    '',
    'Please try again later',
    'retry after 3 days', // more than a day: a cool-down decides
    'Your quota resets at 2026-12-01T10:00:00Z', // already past
  ])
    assert.equal(after(message), null, message);
  assert.equal(parseRetryAfter(null, AT), null);
});

test('parseDelay: compact, spelled out, bare seconds', () => {
  assert.equal(parseDelay('1m30s'), 90_000);
  assert.equal(parseDelay('1 minute 30 seconds'), 90_000);
  assert.equal(parseDelay('250ms'), 250);
  assert.equal(parseDelay('7'), 7_000);
  assert.equal(parseDelay('soon'), null);
});

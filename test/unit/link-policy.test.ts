import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkDecision } from '../../src/main/link-policy.ts';

// The desktop app never hands untrusted input to shell.openExternal: documentation links open, other web links
// only after the operator agrees, and nothing else leaves the app (a file:, javascript: or custom-scheme link
// could start a program).

test('allow-listed https documentation opens; other web links ask first', () => {
  assert.deepEqual(linkDecision('https://worker.graphile.org/docs/admin-functions'), {
    action: 'open',
    url: 'https://worker.graphile.org/docs/admin-functions',
  });
  assert.equal(linkDecision('https://github.com/graphile/worker').action, 'open');
  // The same host over plain http, a look-alike host, an operator's own URL: asked.
  for (const url of ['http://github.com/x', 'https://github.com.evil.example/', 'https://intranet.example/report?id=4']) {
    assert.equal(linkDecision(url).action, 'ask', url);
  }
});

test('everything that is not a web link is refused, with the reason', () => {
  for (const [url, reason] of [
    ['file:///etc/passwd', /file: links are not opened/],
    ['javascript:alert(1)', /javascript: links are not opened/],
    ['smb://share/x', /smb: links are not opened/],
    ['ms-msdt:/id PCWDiagnostic', /ms-msdt: links are not opened/],
    ['https://user:pw@github.com/', /credentials/],
    ['not a url', /not a URL/],
  ] as const) {
    const decision = linkDecision(url);
    assert.equal(decision.action, 'refuse', url);
    assert.match(decision.action === 'refuse' ? decision.reason : '', reason, url);
  }
});

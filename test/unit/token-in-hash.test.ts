import assert from 'node:assert/strict';
import { test } from 'node:test';
import { takeToken } from '../../src/renderer/src/api/token-in-hash.ts';

test('the access token is read wherever a URL fragment carries it, and the view the fragment names is kept', () => {
  const cases: Array<[string, string, string]> = [
    ['#token=abc', 'abc', ''],
    ['#token=abc&x=1', 'abc', '#x=1'],
    ['#/workers?token=abc', 'abc', '#/workers'],
    ['#/workers?token=abc&w=1', 'abc', '#/workers?w=1'],
    ['#/workers?w=1&token=abc', 'abc', '#/workers?w=1'],
    ['#/failures?window=1h&token=abc&task=summarize', 'abc', '#/failures?window=1h&task=summarize'],
    ['#/jobs&token=abc', 'abc', '#/jobs'],
    ['#token=a%2Bb%20c', 'a+b c', ''],
    // A malformed escape is kept as typed (the server then refuses it with its own message) rather than thrown.
    ['#token=%E0%A4', '%E0%A4', ''],
    // Every token parameter leaves the address; the last one with a value is the token.
    ['#token=a&token=b', 'b', ''],
    ['#/workers?token=&token=abc&w=1', 'abc', '#/workers?w=1'],
  ];
  for (const [hash, token, rest] of cases) assert.deepEqual(takeToken(hash), { token, rest }, hash);
});

test('a fragment without a token, or with an empty one, or with a parameter only named like it, has none', () => {
  // `token=` inside another parameter's value (a `?` typed into a search) is that value's, not a token.
  for (const hash of ['', '#', '#/workers', '#/workers?w=1', '#token=', '#/jobs?q=token=abc', '#/jobs?mytoken=abc', '#/jobs?q=a?token=b']) {
    assert.equal(takeToken(hash), null, hash);
  }
});

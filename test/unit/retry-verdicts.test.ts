import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileClassifier, judgeRetry, leftOutReason, type SeenFailure } from '../../src/shared/errors/index.ts';
import {
  apiErrorMessage,
  CANCELLED_MESSAGE,
  invalidJsonMessage,
  missingFieldsMessage,
  timeoutMessage,
} from '../../src/engine/demo/llm-client.ts';
import { OVERLOADED_MESSAGE, QUOTA_MESSAGE } from '../../src/engine/demo/fake-llm.ts';

const classifier = compileClassifier();

/** The verdict of a job whose last error is `last`, with these failed attempts seen (the last one included). */
function verdictOf(last: string, seen: string[] = [last]) {
  const type = classifier.classify(last);
  const failures: SeenFailure[] = seen.map((error) => ({ error, type: classifier.classify(error) }));
  return { type, ...judgeRetry(type, classifier.verdictOf(type), type, failures) };
}

// Every error the demo's fake LLM and its client produce, with what a retry is worth.
describe("verdicts on the demo's error kinds", () => {
  const cases: [string, string, string, 'transient' | 'permanent'][] = [
    ['quota (429)', apiErrorMessage(429, QUOTA_MESSAGE), 'rate_limit', 'transient'],
    [
      '5xx',
      apiErrorMessage(500, 'The server had an error while processing your request. Sorry about that!'),
      'provider_error',
      'transient',
    ],
    ['502', apiErrorMessage(502, 'Bad gateway.'), 'provider_error', 'transient'],
    ['503 overloaded', apiErrorMessage(503, OVERLOADED_MESSAGE), 'provider_error', 'transient'],
    ['timeout', timeoutMessage(30_000), 'timeout', 'transient'],
    ['network', 'fetch failed (connect ECONNREFUSED 127.0.0.1:4000)', 'network', 'transient'],
    [
      'invalid JSON, once',
      invalidJsonMessage(new SyntaxError(`Unexpected token 'S', "Sure! Here"... is not valid JSON`)),
      'invalid_json',
      'transient',
    ],
    ['missing fields, once', missingFieldsMessage(['summary', 'topics']), 'parse_error', 'transient'],
  ];
  for (const [name, message, type, verdict] of cases) {
    test(`${name}: ${verdict}`, () => {
      const v = verdictOf(message);
      assert.equal(v.type, type);
      assert.equal(v.verdict, verdict);
      assert.equal(v.rule, 'type');
    });
  }

  test('a quota error on every attempt stays transient (a 429 reads the same each time)', () => {
    const quota = apiErrorMessage(429, QUOTA_MESSAGE);
    assert.equal(verdictOf(quota, [quota, quota, quota]).verdict, 'transient');
  });

  test('missing fields on every attempt: the same parse error, not worth retrying as is', () => {
    const v = verdictOf(missingFieldsMessage(['topics']), [missingFieldsMessage(['summary']), missingFieldsMessage(['topics'])]);
    assert.equal(v.verdict, 'permanent');
    assert.equal(v.rule, 'same_type_every_attempt');
    assert.match(v.reason, /on all 2 attempts/);
    assert.equal(leftOutReason(v), 'not transient: the same parse_error on every attempt');
  });

  test('invalid JSON once, then a timeout: a parse error that varies, still worth a retry', () => {
    const last = invalidJsonMessage(new SyntaxError('Unexpected end of JSON input'));
    assert.equal(verdictOf(last, [timeoutMessage(30_000), last]).verdict, 'transient');
  });

  test('a cancel says nothing of a retry', () => {
    assert.equal(verdictOf(CANCELLED_MESSAGE).verdict, 'unknown');
  });
});

describe('verdicts of types and repeated errors', () => {
  test('auth, context length and content filter are not worth retrying as is', () => {
    for (const [message, type] of [
      ['Error code: 401 - Incorrect API key provided', 'auth'],
      ["This model's maximum context length is 8192 tokens", 'context_length'],
      ['finish_reason: content_filter', 'content_filter'],
    ]) {
      const v = verdictOf(message);
      assert.equal(v.type, type);
      assert.equal(v.verdict, 'permanent', message);
      assert.equal(leftOutReason(v), `not transient: ${type}: retrying as is won't help`);
    }
  });

  test('an unknown error: unknown once, permanent when the identical text failed every attempt', () => {
    const msg = 'model "llama3" not found, try pulling it first';
    assert.equal(verdictOf(msg).verdict, 'unknown');
    const v = verdictOf(msg, [msg, msg, msg]);
    assert.equal(v.verdict, 'permanent');
    assert.equal(v.rule, 'same_text_every_attempt');
    assert.equal(leftOutReason(v), 'not transient: the identical error on every attempt');
    // Different texts of an unknown type say nothing.
    assert.equal(verdictOf(msg, ['something else broke', msg]).verdict, 'unknown');
  });

  test("the operator's rules set a new type's verdict and can replace a built-in one", () => {
    const custom = compileClassifier([
      { id: 'oom', pattern: 'CUDA out of memory', type: 'gpu_oom', verdict: 'transient' },
      { id: 'quota-is-final', pattern: 'hard quota', type: 'rate_limit', verdict: 'permanent' },
    ]);
    assert.equal(custom.verdictOf('gpu_oom'), 'transient');
    assert.equal(custom.verdictOf('rate_limit'), 'permanent');
    assert.equal(custom.verdictOf('timeout'), 'transient');
    assert.equal(custom.verdictOf('no_such_type'), 'unknown');
    assert.equal(custom.types().find((t) => t.type === 'gpu_oom')?.verdict, 'transient');
    assert.equal(compileClassifier().verdictOf('rate_limit'), 'transient');
  });

  test('a verdict outside the list is refused with the rule', () => {
    const c = compileClassifier([{ id: 'bad', pattern: 'x+y', type: 'foo', verdict: 'maybe' as never }]);
    assert.equal(c.rejected.length, 1);
    assert.match(c.rejected[0].message, /verdict must be one of/);
  });
});

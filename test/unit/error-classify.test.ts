import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BUILTIN_ERROR_TYPES,
  BUILTIN_RULES,
  MAX_CLASSIFY_CHARS,
  classifyError,
  compileClassifier,
  errorRuleSchema,
  findNestedQuantifier,
  type ErrorRule,
} from '../../src/shared/errors/index.ts';

// Messages exactly as the brief requires them.
const REQUIRED: [string, string][] = [
  ['Error code: 429 - You exceeded your current quota, please check your plan and billing details', 'rate_limit'],
  ['Could not extract structured output from API response', 'parse_error'],
  ['Request timeout after 300 seconds', 'timeout'],
  ['JSONDecodeError: Expecting value: line 1 column 1 (char 0)', 'invalid_json'],
];

// Real-world messages, as the clients print them.
const CASES: Record<string, string[]> = {
  rate_limit: [
    "openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.', 'type': 'insufficient_quota', 'param': None, 'code': 'insufficient_quota'}}",
    '429 You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
    'RateLimitError: 429 Rate limit reached for gpt-4o-mini in organization org-abc on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.',
    'mistralai.models.sdkerror.SDKError: API error occurred: Status 429\n{"object":"error","message":"Requests rate limit exceeded","type":"rate_limited","param":null,"code":null}',
    "anthropic.RateLimitError: Error code: 429 - {'type': 'error', 'error': {'type': 'rate_limit_error', 'message': 'Number of request tokens has exceeded your per-minute rate limit'}}",
    'google.api_core.exceptions.ResourceExhausted: 429 Resource has been exhausted (e.g. check quota).',
    'HTTPError: 429 Client Error: Too Many Requests for url: https://api.example.com/v1/chat',
    'Request failed with status code 429',
    // Judgement call: a 429 that also says "overloaded" is a rate limit.
    '429 Too Many Requests: the model is overloaded, please retry after 20 seconds',
  ],
  timeout: [
    'openai.APITimeoutError: Request timed out.',
    'APIConnectionTimeoutError: Request timed out.',
    'httpx.ReadTimeout: The read operation timed out',
    'Error: connect ETIMEDOUT 104.18.7.192:443',
    'TimeoutError: The operation was aborted due to timeout',
    '504 Gateway Timeout',
    '<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center><hr><center>nginx</center></body></html>',
    'google.api_core.exceptions.DeadlineExceeded: 504 Deadline Exceeded',
    'Request timeout after 300 seconds (provider said: 503 Service Unavailable)',
  ],
  parse_error: [
    "pydantic_core._pydantic_core.ValidationError: 1 validation error for Insight\nsummary\n  Field required [type=missing, input_value={'title': 'x'}, input_type=dict]",
    'langchain_core.exceptions.OutputParserException: Failed to parse Insight from completion {"title": "x"}. Got: 1 validation error',
    'Error: missing field `summary` at line 1 column 17',
    'ZodError: [{"code":"invalid_type","expected":"string","received":"undefined","path":["summary"],"message":"Required"}]',
    'instructor.exceptions.InstructorRetryException: RetryError[<Future at 0x7f state=finished raised ValidationError>]',
  ],
  invalid_json: [
    'json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)',
    'JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)',
    'SyntaxError: Unexpected token < in JSON at position 0',
    'SyntaxError: Unexpected token \'<\', "<!DOCTYPE "... is not valid JSON',
    'SyntaxError: Unexpected end of JSON input',
    'SyntaxError: JSON.parse: unexpected character at line 1 column 1 of the JSON data',
    "1 validation error for Insight\n  Invalid JSON: EOF while parsing a value at line 1 column 0 [type=json_invalid, input_value='', input_type=str]",
    'OutputParserException: Invalid json output: Sure! Here is the summary you asked for',
  ],
  context_length: [
    "openai.BadRequestError: Error code: 400 - {'error': {'message': \"This model's maximum context length is 8192 tokens. However, your messages resulted in 9120 tokens. Please reduce the length of the messages.\", 'type': 'invalid_request_error', 'param': 'messages', 'code': 'context_length_exceeded'}}",
    // The token count contains "429" and "500"; must not read as a status code.
    "This model's maximum context length is 4096 tokens. However, you requested 429 tokens in the messages and 500 in the completion.",
    "anthropic.BadRequestError: Error code: 400 - {'type': 'error', 'error': {'type': 'invalid_request_error', 'message': 'prompt is too long: 210345 tokens > 200000 maximum'}}",
    'mistralai.models.sdkerror.SDKError: API error occurred: Status 400\n{"object":"error","message":"Prompt contains 40960 tokens and 0 draft tokens, too large for model with 32768 maximum context length","type":"invalid_request_error"}',
    'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
  ],
  content_filter: [
    "openai.BadRequestError: Error code: 400 - {'error': {'message': \"The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.\", 'type': None, 'param': 'prompt', 'code': 'content_filter', 'status': 400}}",
    "Error code: 400 - {'error': {'code': 'content_policy_violation', 'message': 'Your request was rejected as a result of our safety system.'}}",
    'google.generativeai.types.generation_types.BlockedPromptException: block_reason: SAFETY',
    'Completion stopped with finish_reason=content_filter',
    'Input was flagged by the moderation endpoint',
  ],
  auth: [
    "openai.AuthenticationError: Error code: 401 - {'error': {'message': 'Incorrect API key provided: sk-abc*****xyz. You can find your API key at https://platform.openai.com/account/api-keys.', 'type': 'invalid_request_error', 'param': None, 'code': 'invalid_api_key'}}",
    '401 Incorrect API key provided: sk-abc*****xyz.',
    'PermissionDeniedError: 403 Country, region, or territory not supported',
    "anthropic.AuthenticationError: Error code: 401 - {'type': 'error', 'error': {'type': 'authentication_error', 'message': 'invalid x-api-key'}}",
    'mistralai.models.sdkerror.SDKError: API error occurred: Status 401\n{"message":"Unauthorized","request_id":"abc"}',
    'openai.OpenAIError: The api_key client option must be set either by passing api_key to the client or by setting the OPENAI_API_KEY environment variable',
  ],
  provider_error: [
    "anthropic.InternalServerError: Error code: 529 - {'type': 'error', 'error': {'type': 'overloaded_error', 'message': 'Overloaded'}}",
    '500 The server had an error while processing your request. Sorry about that!',
    "openai.InternalServerError: Error code: 500 - {'error': {'message': 'The server had an error while processing your request. Sorry about that!', 'type': 'server_error'}}",
    '502 Bad Gateway',
    'HTTPError: 503 Server Error: Service Unavailable for url: https://api.example.com/v1/chat',
    'mistralai.models.sdkerror.SDKError: API error occurred: Status 500\n{"object":"error","message":"Service unavailable."}',
    'openai.APIError: An error occurred during streaming',
    'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
  ],
  network: [
    'Error: connect ECONNREFUSED 127.0.0.1:11434',
    'TypeError: fetch failed',
    'openai.APIConnectionError: Connection error.',
    'Error: getaddrinfo ENOTFOUND api.openai.com',
    'Error: getaddrinfo EAI_AGAIN api.mistral.ai',
    'Error: read ECONNRESET',
    'Error: socket hang up',
    'httpx.ConnectError: [Errno 111] Connection refused',
    "requests.exceptions.ConnectionError: ('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))",
  ],
  cancelled: [
    'AbortError: This operation was aborted',
    'APIUserAbortError: Request was aborted.',
    'asyncio.exceptions.CancelledError',
    'Job cancelled by operator',
    'Post "http://127.0.0.1:11434/api/chat": context canceled',
  ],
  other: [
    // Ollama: a configuration error, not a transient provider fault.
    'model "llama3" not found, try pulling it first',
    '404 model "llama3" not found, try pulling it first',
    "TypeError: Cannot read properties of undefined (reading 'choices')",
    'mistralai.models.sdkerror.SDKError: API error occurred: Status 400\n{"message":"Invalid model: mistral-huge"}',
  ],
};

describe('required messages', () => {
  for (const [message, type] of REQUIRED) {
    test(`${type}: ${message}`, () => assert.equal(classifyError(message), type));
  }
});

describe('real-world messages', () => {
  test('every built-in type has cases', () => {
    for (const t of BUILTIN_ERROR_TYPES) assert.ok(CASES[t.type]?.length, `no cases for ${t.type}`);
  });
  for (const [type, messages] of Object.entries(CASES)) {
    for (const message of messages) {
      test(`${type}: ${message.slice(0, 90)}`, () => assert.equal(classifyError(message), type));
    }
  }
});

describe('hostile input', () => {
  test('null, undefined, empty and non-strings → other', () => {
    assert.equal(classifyError(null), 'other');
    assert.equal(classifyError(undefined), 'other');
    assert.equal(classifyError(''), 'other');
    assert.equal(classifyError({} as unknown as string), 'other');
  });

  test('a 5 MB message classifies from its head', () => {
    const big = 'Error code: 429 - rate limited\n' + 'x'.repeat(5 * 1024 * 1024);
    assert.equal(classifyError(big), 'rate_limit');
    // Only the first 8 KiB is read, whatever follows: what keeps a huge message cheap (timings are for bench/).
    assert.equal(classifyError(big + ' ECONNREFUSED'), classifyError(big.slice(0, MAX_CLASSIFY_CHARS)));
  });

  test('a keyword beyond the first 8 KiB is ignored', () => {
    assert.equal(classifyError('x'.repeat(MAX_CLASSIFY_CHARS) + ' ECONNREFUSED'), 'other');
    assert.equal(classifyError('x'.repeat(MAX_CLASSIFY_CHARS - 20) + ' ECONNREFUSED'), 'network');
  });

  test('adversarial 5 MB inputs against the built-ins are classified from their first 8 KiB only', () => {
    // Repetitions that would make a backtracking pattern crawl; the built-in patterns have no nested quantifier
    // (see "every built-in rule passes the schema it imposes on users") and never see more than 8 KiB.
    for (const unit of ['Unexpected ', 'error ', 'code: 4', ' ', 'a\n']) {
      const msg = unit.repeat(Math.ceil((5 * 1024 * 1024) / unit.length));
      const type = classifyError(msg);
      assert.equal(typeof type, 'string', `repeated ${JSON.stringify(unit)}`);
      assert.equal(type, classifyError(msg.slice(0, MAX_CLASSIFY_CHARS)), `repeated ${JSON.stringify(unit)}`);
    }
  });
});

describe('user rules', () => {
  const rules: ErrorRule[] = [
    { id: 'oom', pattern: 'CUDA out of memory|\\bOOM\\b', type: 'gpu_oom', label: 'GPU OOM', color: '#123456' },
    // Re-route a built-in match: this provider's 429s are really a billing problem.
    { id: 'billing', pattern: 'billing details', type: 'billing' },
    { id: 'oom2', pattern: 'out of VRAM', type: 'gpu_oom', label: 'ignored: first label wins' },
    { id: 'off', pattern: 'Request timeout', type: 'slow', enabled: false },
    { id: 'silence', pattern: '^Job cancelled by operator$', type: 'other' },
  ];
  const c = compileClassifier(rules);

  test('take precedence over built-ins', () => {
    assert.equal(c.classify(REQUIRED[0][0]), 'billing');
    assert.equal(c.classify('Job cancelled by operator'), 'other');
    assert.equal(classifyError('Job cancelled by operator'), 'cancelled');
  });

  test('add new types, and built-ins still apply', () => {
    assert.equal(c.classify('RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB'), 'gpu_oom');
    assert.equal(c.classify('llama runner: out of vram'), 'gpu_oom');
    assert.equal(c.classify('Request timeout after 300 seconds'), 'timeout'); // disabled rule skipped
    assert.equal(c.classify(null), 'other');
  });

  test('types() lists built-ins then custom types with their label and colour', () => {
    const types = c.types();
    assert.deepEqual(
      types.slice(0, BUILTIN_ERROR_TYPES.length).map((t) => t.type),
      BUILTIN_ERROR_TYPES.map((t) => t.type),
    );
    const custom = types.slice(BUILTIN_ERROR_TYPES.length);
    assert.deepEqual(
      custom.map((t) => t.type),
      ['gpu_oom', 'billing'],
    );
    assert.equal(custom[0].label, 'GPU OOM');
    assert.equal(custom[0].color, '#123456');
    assert.equal(custom[1].label, 'Billing');
    assert.match(custom[1].color, /^#[0-9A-Fa-f]{6}$/);
    assert.ok(!types.some((t) => t.type === 'slow'), 'disabled rule adds no type');
  });

  test('invalid rules are skipped and reported, never thrown', () => {
    const c2 = compileClassifier([
      { id: 'bad', pattern: '(unclosed', type: 'x' },
      { id: 'good', pattern: 'boom', type: 'boom' },
    ]);
    assert.equal(c2.rejected.length, 1);
    assert.equal(c2.rejected[0].id, 'bad');
    assert.match(c2.rejected[0].message, /not a valid regular expression/);
    assert.equal(c2.classify('boom'), 'boom');
    assert.equal(c2.classify('(unclosed'), 'other');
  });
});

describe('errorRuleSchema', () => {
  const base = { id: 'r', type: 'custom_type' };
  const messages = (rule: unknown) => {
    const r = errorRuleSchema.safeParse(rule);
    return r.success ? [] : r.error.issues.map((i) => i.message);
  };

  test('accepts a sensible rule', () => {
    assert.deepEqual(messages({ ...base, pattern: 'out of memory', flags: 'im', label: 'OOM', color: '#aabbcc' }), []);
  });

  test('rejects an invalid regex with a clear message', () => {
    const m = messages({ ...base, pattern: '(unclosed' });
    assert.equal(m.length, 1);
    // What is wrong, without RE2's quote of the pattern as translated for it (`(?:[\x{55}\x{75}]…`), never typed.
    assert.equal(m[0], 'pattern is not a valid regular expression: missing closing )');
    assert.deepEqual(messages({ ...base, pattern: 'a)b' }), ['pattern is not a valid regular expression: unexpected )']);
  });

  test('accepts repeats of repeats: RE2 runs them in linear time', () => {
    for (const pattern of ['(a+)+b', '(a*)*b', '(?:\\w+\\s?)+$', '((ab)+c)+', '(x{2,})+', '(a+){3}', '(x|x)+y']) {
      assert.deepEqual(messages({ ...base, pattern }), [], pattern);
    }
  });

  test('refuses what RE2 and Postgres would read differently, saying why', () => {
    for (const [pattern, why] of [
      ['(?<w>\\d+)', /named groups, inline flags and lookaround/],
      ['(?P<w>x)', /named groups/],
      ['(?i)abc', /inline flags/],
      ['quota(?!tion)', /lookaround/],
      ['\\p{L}+', /Unicode classes/],
      ['[\\b]', /not supported/],
      ['(a)\\1', /backreferences/],
      ['\\Qa.b\\E', /quoting/],
      ['[[:alpha:]]', /POSIX classes/],
      ['a{1,300}', /above 255/],
      ['a{99999}', /repeat counts above 255 are not supported/],
      ['a{2,99999999999999999999}', /repeat counts above 255 are not supported/],
      ['a{', /repeat count/],
    ] as const) {
      const m = messages({ ...base, pattern });
      assert.equal(m.length, 1, pattern);
      assert.match(m[0], why, pattern);
    }
  });

  test('findNestedQuantifier allows safe patterns', () => {
    for (const p of ['(a|b)+', '(ab)+', '[(a+)]+', '\\(a+\\)+', '(a+)?', '(a{2})+', '(?:foo)+bar+', 'a+b*c?']) {
      assert.equal(findNestedQuantifier(p), undefined, p);
    }
    assert.equal(findNestedQuantifier('x(a+)+y'), '(a+)+');
  });

  test('rejects other bad fields', () => {
    assert.match(messages({ ...base, pattern: 'x'.repeat(501) })[0], /at most 500/);
    assert.match(messages({ ...base, pattern: 'a?' })[0], /matches an empty string/);
    assert.match(messages({ ...base, pattern: 'x', type: 'Bad Type' })[0], /slug/);
    assert.match(messages({ ...base, pattern: 'x', type: '_x' })[0], /slug/);
    assert.match(messages({ ...base, pattern: 'x', type: 'a'.repeat(41) })[0], /slug/);
    assert.match(messages({ ...base, pattern: 'x', color: 'red' })[0], /#1a2b3c/);
    assert.match(messages({ ...base, pattern: 'x', flags: 'g' })[0], /flags/);
  });

  test('every built-in rule is free of nested quantifiers (they run on the backtracking engine)', () => {
    for (const r of BUILTIN_RULES) assert.equal(findNestedQuantifier(r.pattern), undefined, r.id);
  });
});

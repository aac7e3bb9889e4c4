import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RE2JS } from 're2js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { translateRule } from '../../src/shared/errors/rule-dialect.ts';
import { BUILTIN_RULES, compileClassifier, type ErrorRule } from '../../src/shared/errors/index.ts';
import { errorTypeCondition } from '../../src/engine/jobs/error-type-sql.ts';
import { MESSAGES_BY_TYPE } from '../fixtures/history-messages.ts';

// One dialect, two engines: for every rule of a corpus of operator rules (flags included) and every text of a
// corpus of real and generated error messages, RE2 in the console and Postgres' filter give the same answer; and
// the SQL filter by error type selects exactly the messages the classifier labels with that type.

let db: TestPostgres;
before(async () => {
  db = await startTestPostgres();
});
after(async () => {
  await db?.close();
});

const RULES: [string, string][] = [
  ['CUDA out of memory', 'i'],
  ['^Error: \\d{3}\\b', ''],
  ['timeout$', 'm'],
  ['timeout$', ''],
  ['a.b', 's'],
  ['a.b', ''],
  ['[^a-z]+x', 'i'],
  ['[^a-z]+x', ''],
  ['\\bE[A-Z]+\\b', ''],
  ['\\bE[A-Z]+\\b', 'i'],
  ['(x|x)+y', ''],
  ['rate[ _-]?limit', 'i'],
  ['\\x41\\x{1F600}', ''],
  ['^\\s*\\w+:', 'm'],
  ['[\\d.]+ ms', ''],
  ['é', 'i'],
  ['straße', 'i'],
  ['k', 'i'],
  ['\\Bing\\b', 'i'],
  ['\\Aabc\\z', ''],
  ['(?:foo|bar){2,3}', 'i'],
  ['[\\]\\\\-]', ''],
  ['x*?y', ''],
  ['\\W\\W', ''],
  ['[\\W]', 'i'],
  ['\\S+\\s\\S+', ''],
  ['(?:ab|a)(?:c|bcd)(?:d*)', ''],
  ['^$', 'm'],
  ['quota(?:$|[^t]|t$|t[^i]|ti$|ti[^o]|tio$|tio[^n])', 'i'],
];

/** A small deterministic generator: the same texts every run, so a failure can be replayed. */
function generated(count: number): string[] {
  const alphabet = [...'aAbBcdxXyzkKK_-.:é ÉßŞ😀\n\t4290', 'timeout', 'Error: 429', 'ing', 'foo', 'bar', 'quota', 'quotation', 'abc'];
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, () => {
    const length = Math.floor(next() * 12);
    return Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
  });
}

const TEXTS = [
  ...Object.values(MESSAGES_BY_TYPE),
  'CUDA out of memory. Tried to allocate 2.00 GiB',
  'Error: 429 Too Many Requests',
  'line one\ntimeout\nline three',
  'a\nb',
  'abc',
  'abc\n',
  'ENOTFOUND api.openai.com',
  'é',
  'É',
  'K',
  'STRASSE',
  'STRAẞE',
  'processing the thing',
  ...generated(400),
];

async function postgresMatches(pattern: string, texts: string[]): Promise<boolean[]> {
  const { rows } = await db.pool.query<{ m: boolean }>(`select t ~ $1 as m from unnest($2::text[]) with ordinality as u(t, n) order by n`, [
    pattern,
    texts,
  ]);
  return rows.map((r) => r.m);
}

test('RE2 in the console and Postgres agree on every rule of the corpus, for every text', async () => {
  for (const [pattern, flags] of RULES) {
    const t = translateRule(pattern, flags);
    assert.ok(t.ok, `${pattern} /${flags}: ${t.ok ? '' : t.reason}`);
    const re = RE2JS.compile(t.re2, t.multiline ? RE2JS.MULTILINE : 0);
    const pg = await postgresMatches(t.postgres, TEXTS);
    const mismatch = TEXTS.findIndex((text, i) => re.test(text) !== pg[i]);
    assert.equal(
      mismatch,
      -1,
      `/${pattern}/${flags} on ${JSON.stringify(TEXTS[mismatch])}: console ${re.test(TEXTS[mismatch] ?? '')}, Postgres ${pg[mismatch]}`,
    );
  }
});

test('case-insensitive means ASCII letters either case, in both; a case-sensitive rule stays case-sensitive in SQL', async () => {
  const sensitive = translateRule('Timeout', '');
  const insensitive = translateRule('Timeout', 'i');
  assert.ok(sensitive.ok && insensitive.ok);
  assert.deepEqual(await postgresMatches(sensitive.postgres, ['Timeout', 'timeout', 'TIMEOUT']), [true, false, false]);
  assert.deepEqual(await postgresMatches(insensitive.postgres, ['Timeout', 'timeout', 'TIMEOUT']), [true, true, true]);
  // Beyond ASCII the letter is itself only: no engine's or locale's idea of case decides.
  const accented = translateRule('é', 'i');
  assert.ok(accented.ok);
  assert.deepEqual(await postgresMatches(accented.postgres, ['é', 'É']), [true, false]);
});

test('the SQL filter by error type selects exactly the messages the classifier labels so, operator rules first', async () => {
  const userRules: ErrorRule[] = [
    { id: 'gpu', pattern: 'CUDA out of memory|OOM', type: 'gpu_oom', flags: '' },
    { id: 'quota-words', pattern: '\\bquota\\b', type: 'rate_limit' },
    { id: 'lines', pattern: '^timeout$', type: 'line_timeout', flags: 'm' },
    { id: 'silence', pattern: 'Tried to allocate', type: 'other' },
  ];
  const rules = [...userRules, ...BUILTIN_RULES];
  const classifier = compileClassifier(userRules);
  assert.deepEqual(classifier.rejected, []);
  const types = [...new Set([...rules.map((r) => r.type), 'other'])];
  for (const type of types) {
    const params: unknown[] = [];
    const condition = errorTypeCondition(type, params, rules);
    params.push(TEXTS);
    const { rows } = await db.pool.query<{ m: boolean }>(
      `select ${condition} as m from unnest($${params.length}::text[]) with ordinality as j(last_error, n) order by n`,
      params,
    );
    const mismatch = TEXTS.findIndex((text, i) => (classifier.classify(text) === type) !== rows[i].m);
    assert.equal(
      mismatch,
      -1,
      `type ${type} on ${JSON.stringify(TEXTS[mismatch])}: classifier says ${classifier.classify(TEXTS[mismatch] ?? '')}, SQL ${rows[mismatch]?.m}`,
    );
  }
});

test('ReDoS candidates take linear time in the console: 8 KiB each, orders of magnitude under the bound', () => {
  const candidates = ['(x|x)+y', '(a+)+b', '(a*)*b', '(\\w+\\s?)+$', '(.*a){12}', '(a|aa)+c', '^(([a-z])+.)+[A-Z]([a-z])+$'];
  const classifier = compileClassifier(candidates.map((pattern, i) => ({ id: `r${i}`, pattern, type: 'slow' })));
  assert.deepEqual(classifier.rejected, []);
  const texts = ['x'.repeat(8192), 'a'.repeat(8192), 'ab '.repeat(2730)];
  const started = performance.now();
  for (const text of texts) classifier.classify(text);
  const ms = performance.now() - started;
  // A backtracking engine needs longer than the age of the universe on these; RE2 needs milliseconds to seconds.
  assert.ok(ms < 20_000, `${ms} ms for ${texts.length * candidates.length} ReDoS matches`);
});

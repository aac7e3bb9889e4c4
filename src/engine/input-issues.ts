import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** How many issues are said in the message (all of them are in the error's details). */
const MAX_SAID = 5;
/** A bound as said in plain words: 50,000. */
function count(n: number | bigint): string {
  return typeof n === 'number' ? n.toLocaleString('en-US') : String(n);
}

/** Paths longer than this are cut in the middle (a payload nested 60 levels deep named every level). */
const MAX_PATH = 8;
/** Said by z.number().int() past Number.MAX_SAFE_INTEGER, beside the operation's own, tighter bound. */
const SAFE_INT_BOUND = count(Number.MAX_SAFE_INTEGER);

/**
 * What an operator reads when an input is refused: each problem with where it is. Where an input may take several
 * shapes (a union), zod says only "Invalid input"; the problems of the shape that came closest are said instead (see
 * weight).
 */
export function summarizeIssues(error: z.ZodError<unknown>): string {
  const said = new Map<string, string[]>();
  for (const issue of error.issues.flatMap((i) => closest(i, []))) {
    const where = pathText(issue.path);
    const messages = said.get(where) ?? [];
    const message = plainMessage(issue);
    if (!messages.includes(message)) messages.push(message);
    said.set(where, messages);
  }
  const lines: string[] = [];
  for (const [where, messages] of said) {
    // One mistake, one message: the safe-integer bound beside the operation's own, "blank" beside "empty".
    const tighter = messages.filter(
      (m) => !m.includes(SAFE_INT_BOUND) && !(m === 'must not be blank' && messages.includes('must not be empty')),
    );
    for (const message of tighter.length ? tighter : messages) lines.push(`${where}: ${message}`);
  }
  return lines.slice(0, MAX_SAID).join('; ');
}

/**
 * zod's own wording ("Too small: expected number to be >=1", "Invalid input: expected int, received number") in plain
 * words ("must be at least 1", "must be a whole number"). A message an operation's schema gives itself is kept.
 */
function plainMessage(issue: Issue): string {
  if (!/^(Too small|Too big|Invalid input): /.test(issue.message)) return issue.message;
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const small = issue.code === 'too_small';
    const n = small ? issue.minimum : issue.maximum;
    if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint')
      return `must be ${small ? (issue.inclusive ? 'at least' : 'more than') : issue.inclusive ? 'at most' : 'less than'} ${count(n)}`;
    const unit = issue.origin === 'string' ? 'characters' : issue.origin === 'array' || issue.origin === 'set' ? 'items' : null;
    if (unit && small && Number(n) === 1 && issue.inclusive) return 'must not be empty';
    if (unit) return `must have ${small ? 'at least' : 'at most'} ${count(n)} ${unit}`;
  }
  if (issue.code === 'invalid_type') {
    if (issue.expected === 'int') return 'must be a whole number';
    // zod leaves the input out of its issues; its message names what it received.
    const received = /received (\w+)$/.exec(issue.message)?.[1];
    if (received === 'undefined') return `is required (${articled(issue.expected)})`;
    return received ? `must be ${articled(issue.expected)}, not ${articled(received)}` : issue.message;
  }
  return issue.message;
}

const articled = (type: string) =>
  type === 'array'
    ? 'a list'
    : type === 'null' || type === 'NaN' || type === 'Infinity'
      ? type
      : /^[aeiou]/.test(type)
        ? `an ${type}`
        : `a ${type}`;

function closest(issue: Issue, prefix: PropertyKey[]): Issue[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const tag = unionTag(issue.errors);
    if (tag) return [{ ...tag.issue, path: [...path, ...tag.issue.path], message: `must be one of ${tag.values.join(', ')}` }];
    let best = issue.errors[0];
    for (const branch of issue.errors) if (weight(branch) < weight(best)) best = branch;
    return best.flatMap((i) => closest(i, path));
  }
  return [{ ...issue, path }];
}

/**
 * A union whose every shape is ruled out by its literal at one place (a rule's `kind` that is none of the kinds): the
 * values it may take there. Said alone, the closest shape's literal read as if it were the only one ('expected
 * "stuck"').
 */
function unionTag(branches: Issue[][]): { issue: Issue; values: string[] } | null {
  let first: Issue | null = null;
  const values: string[] = [];
  for (const branch of branches) {
    const tag = branch.find((i) => i.code === 'invalid_value' && i.values.length === 1);
    if (!tag || (first && tag.path.join('.') !== first.path.join('.'))) return null;
    first ??= tag;
    values.push(String((tag as { values: unknown[] }).values[0]));
  }
  return first && values.length > 1 ? { issue: first, values } : null;
}

/**
 * How far a branch of a union is from the input: a literal it does not match (the `kind` of a rule) rules it out, a
 * key it does not know or one the input lacks counts double, any other problem once.
 */
const weight = (branch: Issue[]): number =>
  branch.reduce((n, i) => {
    if (i.code === 'invalid_value' && i.values.length === 1) return n + 100;
    if (i.code === 'unrecognized_keys' || (i.code === 'invalid_type' && i.input === undefined)) return n + 2;
    return n + 1;
  }, 0);

const pathText = (path: PropertyKey[]): string => (path.length === 0 ? 'input' : shortPath(path.map(String)));

/** A path as said in a refusal: a long one (a value nested 60 levels deep) is cut in the middle. */
export function shortPath(names: string[]): string {
  if (names.length <= MAX_PATH) return names.join('.');
  return `${names.slice(0, 3).join('.')}.…(${names.length - 6} levels).${names.slice(-3).join('.')}`;
}

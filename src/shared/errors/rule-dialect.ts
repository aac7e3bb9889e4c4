/**
 * The regular-expression dialect of operator error rules: one pattern, two engines that mean exactly the same by
 * it. The console matches with RE2 (re2js: linear time, so no rule can freeze it); Postgres filters with its own
 * engine (ARE). Each pattern is parsed once and written out for each engine with nothing left to their defaults:
 * - character classes, `\d \w \s`, `.` and case-insensitive letters become explicit code-point sets (ASCII `\w`,
 *   `\d`, `\s` and ASCII-only case folding, whatever the engine's or the database's locale);
 * - `\b` is RE2's `\b` and an explicit lookaround in Postgres (whose `\b` is a backspace);
 * - what either engine would read differently is refused with the reason: named groups, inline flags, lookaround,
 *   backreferences, `\p{…}`, `\Q…\E`, POSIX classes, a bare `{`, repeat counts above 255 (Postgres' limit).
 * Flags: `i` (ASCII letters either case), `m` (`^`/`$` at line breaks), `s` (`.` matches a line break); `u` is
 * accepted and changes nothing (both engines read code points).
 */

export type DialectResult = { ok: true; re2: string; postgres: string; multiline: boolean } | { ok: false; reason: string };

type Range = [number, number];

const WORD: Range[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const DIGIT: Range[] = [[0x30, 0x39]];
// RE2's \s: tab, newline, form feed, carriage return, space (not \v).
const SPACE: Range[] = [
  [0x09, 0x0a],
  [0x0c, 0x0d],
  [0x20, 0x20],
];
const MAX_CODE_POINT = 0x10ffff;
const MAX_REPEAT = 255;
const SHORTHANDS: Record<string, Range[]> = { d: DIGIT, w: WORD, s: SPACE };
const CONTROL: Record<string, number> = { n: 0x0a, t: 0x09, r: 0x0d, f: 0x0c, v: 0x0b, a: 0x07 };

class Refused extends Error {}

const hex = (cp: number, width: number) => cp.toString(16).toUpperCase().padStart(width, '0');
const re2Char = (cp: number) => `\\x{${hex(cp, 2)}}`;
const pgChar = (cp: number) => `\\U${hex(cp, 8)}`;

/** The complement of a sorted, merged set, within the code points (NUL excluded: Postgres text has none). */
function complement(ranges: Range[]): Range[] {
  const out: Range[] = [];
  let next = 1;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

function merge(ranges: Range[]): Range[] {
  const sorted = ranges.map((r) => [...r] as Range).sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}

/** Adds the other case of every ASCII letter in the set. */
function foldAscii(ranges: Range[]): Range[] {
  const extra: Range[] = [];
  for (const [lo, hi] of ranges) {
    for (const [a, z, shift] of [
      [0x61, 0x7a, -0x20],
      [0x41, 0x5a, 0x20],
    ]) {
      const from = Math.max(lo, a);
      const to = Math.min(hi, z);
      if (from <= to) extra.push([from + shift, to + shift]);
    }
  }
  return merge([...ranges, ...extra]);
}

/** One set, written for both engines as a bracket expression of explicit code points. */
function emitSet(ranges: Range[]): { re2: string; postgres: string } {
  const set = merge(ranges);
  const write = (char: (cp: number) => string) => `[${set.map(([lo, hi]) => (lo === hi ? char(lo) : `${char(lo)}-${char(hi)}`)).join('')}]`;
  return { re2: write(re2Char), postgres: write(pgChar) };
}

const WORD_SET = emitSet(WORD).postgres;
/** Postgres has lookaround but no ASCII `\b`: a word boundary spelled out. */
const PG_WORD_BOUNDARY = `(?:(?<!${WORD_SET})(?=${WORD_SET})|(?<=${WORD_SET})(?!${WORD_SET}))`;
const PG_NOT_WORD_BOUNDARY = `(?:(?<=${WORD_SET})(?=${WORD_SET})|(?<!${WORD_SET})(?!${WORD_SET}))`;

/** Reads the code point escaped by `\x41` or `\x{1F600}` at `i` (just after the `x`); returns it and where it ends. */
function readHex(src: string, i: number): [number, number] {
  const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(src.slice(i));
  const plain = /^[0-9a-fA-F]{2}/.exec(src.slice(i));
  const digits = braced ? braced[1] : plain?.[0];
  if (!digits) throw new Refused('\\x must be followed by two hex digits or {hex}');
  const cp = parseInt(digits, 16);
  if (cp === 0 || cp > MAX_CODE_POINT) throw new Refused(`\\x${digits}: not a character Postgres text can hold`);
  return [cp, i + (braced ? braced[0].length : 2)];
}

/** An escape inside or outside a class that stands for a set of characters, or null. */
function escapeSet(c: string): Range[] | null {
  if (SHORTHANDS[c]) return SHORTHANDS[c];
  const lower = c.toLowerCase();
  if (c !== lower && SHORTHANDS[lower]) return complement(merge(SHORTHANDS[lower]));
  return null;
}

function refuseEscape(c: string): never {
  if (/[0-9]/.test(c)) throw new Refused(`\\${c}: backreferences and octal escapes are not supported`);
  if (c === 'p' || c === 'P') throw new Refused(`\\${c}{…}: Unicode classes mean different things in the console and in Postgres`);
  if (c === 'Q' || c === 'E') throw new Refused('\\Q…\\E quoting is not supported: escape each character');
  throw new Refused(`\\${c} is not supported (use \\d \\w \\s \\b \\B \\A \\z \\n \\t \\r \\f \\v \\xHH, or escape punctuation)`);
}

/** Parses a bracket expression starting just after `[`; returns its set and where it ends (after `]`). */
function readClass(src: string, start: number, fold: boolean): [Range[], number] {
  let i = start;
  const negated = src[i] === '^';
  if (negated) i++;
  const members: Range[] = [];
  let first = true;
  const atom = (): Range[] | number => {
    const c = src[i];
    if (c === '\\') {
      const e = src[i + 1];
      if (e === undefined) throw new Refused('a pattern cannot end with \\');
      if (e === 'x') {
        const [cp, end] = readHex(src, i + 2);
        i = end;
        return cp;
      }
      i += 2;
      const set = escapeSet(e);
      if (set) return set;
      if (CONTROL[e] !== undefined) return CONTROL[e];
      if (/[a-zA-Z0-9]/.test(e)) refuseEscape(e);
      return e.codePointAt(0)!;
    }
    if (c === '[') throw new Refused('a [ inside a character class must be escaped (\\[); POSIX classes like [:alpha:] are not supported');
    const cp = src.codePointAt(i)!;
    i += cp > 0xffff ? 2 : 1;
    return cp;
  };
  for (;;) {
    if (i >= src.length) throw new Refused('a character class is not closed with ]');
    if (src[i] === ']' && !first) {
      i++;
      break;
    }
    first = false;
    const lo = atom();
    if (src[i] === '-' && src[i + 1] !== ']' && i + 1 < src.length) {
      i++;
      const hi = atom();
      if (typeof lo !== 'number' || typeof hi !== 'number')
        throw new Refused('a range in a character class must go from one character to another');
      if (hi < lo) throw new Refused(`the range ${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)} is out of order`);
      members.push([lo, hi]);
    } else if (typeof lo === 'number') members.push([lo, lo]);
    else members.push(...lo);
  }
  let set = merge(members);
  if (fold) set = foldAscii(set);
  return [negated ? complement(set) : set, i];
}

/**
 * Translates an operator's rule pattern, or says why it cannot be used. The result's `re2` is compiled by re2js
 * with the MULTILINE flag when `multiline`; `postgres` is used with `~` (case-sensitive: folding is already in it).
 */
export function translateRule(pattern: string, flags = 'i'): DialectResult {
  if (!/^[imsu]*$/.test(flags)) return { ok: false, reason: 'flags may only contain i, m, s and u' };
  const fold = flags.includes('i');
  const dotAll = flags.includes('s');
  const multiline = flags.includes('m');
  let re2 = '';
  let pg = '';
  const emit = (a: string, b = a) => {
    re2 += a;
    pg += b;
  };
  const emitRanges = (ranges: Range[]) => {
    const set = emitSet(ranges);
    emit(set.re2, set.postgres);
  };
  try {
    let i = 0;
    let canRepeat = false;
    while (i < pattern.length) {
      const c = pattern[i];
      if (c === '\\') {
        const e = pattern[i + 1];
        if (e === undefined) throw new Refused('a pattern cannot end with \\');
        if (e === 'b' || e === 'B') {
          emit(`\\${e}`, e === 'b' ? PG_WORD_BOUNDARY : PG_NOT_WORD_BOUNDARY);
          i += 2;
          canRepeat = false;
          continue;
        }
        if (e === 'A' || e === 'z') {
          // Start and end of the text in both (Postgres spells the end \Z).
          emit(`\\${e}`, e === 'A' ? '\\A' : '\\Z');
          i += 2;
          canRepeat = false;
          continue;
        }
        let cp: number;
        if (e === 'x') {
          [cp, i] = readHex(pattern, i + 2);
        } else {
          i += 2;
          const set = escapeSet(e);
          if (set) {
            emitRanges(set);
            canRepeat = true;
            continue;
          }
          if (CONTROL[e] !== undefined) cp = CONTROL[e];
          else if (/[a-zA-Z0-9]/.test(e)) refuseEscape(e);
          else cp = e.codePointAt(0)!;
        }
        emitRanges(fold ? foldAscii([[cp, cp]]) : [[cp, cp]]);
        canRepeat = true;
        continue;
      }
      if (c === '[') {
        const [set, end] = readClass(pattern, i + 1, fold);
        if (set.length === 0) throw new Refused('a character class that matches nothing');
        emitRanges(set);
        i = end;
        canRepeat = true;
        continue;
      }
      if (c === '(') {
        if (pattern[i + 1] === '?') {
          if (pattern[i + 2] !== ':') {
            throw new Refused(
              'only (…) and (?:…) groups are supported: named groups, inline flags and lookaround mean different things in the console and in Postgres',
            );
          }
          emit('(?:');
          i += 3;
        } else {
          // Capturing or not changes nothing to whether a rule matches: non-capturing in both.
          emit('(?:');
          i += 1;
        }
        canRepeat = false;
        continue;
      }
      if (c === ')' || c === '|') {
        emit(c);
        i++;
        canRepeat = c === ')';
        continue;
      }
      if (c === '^' || c === '$') {
        emit(c);
        i++;
        canRepeat = false;
        continue;
      }
      if (c === '.') {
        emitRanges(dotAll ? [[1, MAX_CODE_POINT]] : complement([[0x0a, 0x0a]]));
        i++;
        canRepeat = true;
        continue;
      }
      if (c === '*' || c === '+' || c === '?' || c === '{') {
        if (!canRepeat) throw new Refused(`${c} must follow something to repeat`);
        let quantifier = c;
        if (c === '{') {
          // Any number of digits, so that {99999} is told its count is too high rather than that it is no count.
          const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
          if (!m) throw new Refused('a { must be a repeat count like {2}, {2,} or {2,5}; write \\{ for a brace');
          const min = Number(m[1]);
          const max = m[2] ? (m[3] ? Number(m[3]) : null) : min;
          if (min > MAX_REPEAT || (max !== null && max > MAX_REPEAT))
            throw new Refused(`repeat counts above ${MAX_REPEAT} are not supported (Postgres' limit)`);
          if (max !== null && max < min) throw new Refused(`the repeat count ${m[0]} is out of order`);
          quantifier = m[0];
        }
        i += quantifier.length;
        // Lazy or greedy, a rule matches or it does not: one spelling for both.
        if (pattern[i] === '?') i++;
        if (pattern[i] === '*' || pattern[i] === '+' || pattern[i] === '?' || pattern[i] === '{')
          throw new Refused('a repeat cannot itself be repeated; group it first');
        emit(quantifier);
        canRepeat = false;
        continue;
      }
      if (c === '}' || c === ']') throw new Refused(`an unmatched ${c} must be escaped (\\${c})`);
      const cp = pattern.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      if (cp === 0) throw new Refused('a NUL character cannot be matched');
      emitRanges(fold ? foldAscii([[cp, cp]]) : [[cp, cp]]);
      canRepeat = true;
    }
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: error.message };
    throw error;
  }
  return { ok: true, re2, postgres: (multiline ? '(?w)' : '') + pg, multiline };
}

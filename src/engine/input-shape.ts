import { shortPath } from './input-issues.ts';

/**
 * What no operation accepts, whatever its schema says, checked before the schema: text with NUL characters
 * (Postgres cannot store them, and would answer with an error rather than a refusal) and values nested deeper
 * than any real input (a payload 10,000 levels deep would overflow the stack of whatever walks it next).
 */
export const MAX_INPUT_DEPTH = 64;

/** The first problem of `input`, in words, or null. Iterative: the check itself cannot overflow the stack. */
export function inputShapeProblem(input: unknown): string | null {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: input, depth: 0, path: 'input' }];
  while (stack.length) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return `${path}: text must not contain NUL characters (\\u0000)`;
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_INPUT_DEPTH) return `${shortPath(path.split('.'))}: nested more than ${MAX_INPUT_DEPTH} levels deep`;
    for (const [key, child] of Object.entries(value)) {
      if (key.includes('\u0000')) return `${path}: a key must not contain NUL characters (\\u0000)`;
      stack.push({ value: child, depth: depth + 1, path: `${path}.${key.slice(0, 40)}` });
    }
  }
  return null;
}

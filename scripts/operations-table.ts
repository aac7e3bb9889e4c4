// Writes the README's table of operations from the contract, so the documented API cannot drift from the real one.
// Usage: npx tsx scripts/operations-table.ts [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { contract, OP_NAMES } from '../src/shared/contract/index.ts';

const START = '<!-- operations:start -->';
const END = '<!-- operations:end -->';

export function operationsTable(): string {
  const rows = OP_NAMES.map((name) => `| \`${name}\` | ${contract[name].access} | ${contract[name].summary} |`);
  return [START, '| operation | access | what it does |', '|---|---|---|', ...rows, END].join('\n');
}

export function withTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < 0) throw new Error('README.md lacks the operations markers');
  return readme.slice(0, start) + operationsTable() + readme.slice(end + END.length);
}

if (import.meta.filename === process.argv[1] || process.argv[1]?.endsWith('operations-table.ts')) {
  const file = path.resolve(import.meta.dirname, '../README.md');
  const readme = readFileSync(file, 'utf8');
  const next = withTable(readme);
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      console.error('README.md operations table is out of date: run npx tsx scripts/operations-table.ts');
      process.exit(1);
    }
  } else {
    writeFileSync(file, next);
  }
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { withTable } from '../../scripts/operations-table.ts';

test('the README documents exactly the operations of the contract', () => {
  const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
  assert.equal(readme, withTable(readme), 'run `npx tsx scripts/operations-table.ts` to refresh the table');
});

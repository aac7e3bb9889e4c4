import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

// The overview is what an operator opens first: its page loads the app shell and the overview alone. Every other
// view is a chunk of its own (routes.tsx), fetched when opened or once the page is idle.

const out = path.resolve(import.meta.dirname, '../../out/renderer');

test('the built page loads the overview without the code of the other views', () => {
  const indexFile = path.join(out, 'index.html');
  assert.ok(existsSync(indexFile), 'The renderer is not built: run `npm run build` first');
  const html = readFileSync(indexFile, 'utf8');
  const loaded = [...html.matchAll(/(?:src|href)="\.\/assets\/([^"]+)"/g)].map((m) => m[1]);
  assert.ok(
    loaded.some((f) => /^index-.*\.js$/.test(f)),
    `the entry is loaded: ${loaded.join(', ')}`,
  );
  for (const view of [
    'FailuresView',
    'JobsView',
    'UsageView',
    'StuckView',
    'BackfillView',
    'AlertsView',
    'WorkersView',
    'CronView',
    'AuditView',
  ]) {
    assert.ok(!loaded.some((f) => f.startsWith(`${view}-`)), `${view} is not loaded with the page: ${loaded.join(', ')}`);
    assert.ok(
      readFileSync(
        path.join(
          out,
          'assets',
          loaded.find((f) => /^index-.*\.js$/.test(f))!,
        ),
        'utf8',
      ).includes(`./${view}-`),
      `${view} is a chunk of its own, imported on demand`,
    );
  }
  // The bar charts (Failures, Usage) are not part of what the overview's page loads.
  assert.ok(!loaded.some((f) => f.startsWith('Bar-')), `no bar chart code with the page: ${loaded.join(', ')}`);
});

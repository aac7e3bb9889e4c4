import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildShortcuts, createMatcher, SEQUENCE_MS } from '../../src/renderer/src/shortcuts/keymap.ts';

const views = [
  { path: 'overview', label: 'Overview' },
  { path: 'jobs', label: 'Jobs' },
  { path: 'stuck', label: 'Stuck' },
  { path: 'somewhere', label: 'A view with no letter' },
];

test('g + a letter goes to a view; a lone j or k moves; a pair left too long starts over', () => {
  const shortcuts = buildShortcuts(views);
  assert.deepEqual(
    shortcuts.filter((s) => s.action.kind === 'go').map((s) => s.keys.join(' ')),
    ['g o', 'g j', 'g s'],
    'one pair per known view, none for a view without a letter',
  );
  const match = createMatcher(shortcuts);
  assert.equal(match('g', 0), 'pending');
  assert.deepEqual(match('j', 100), { action: { kind: 'go', path: 'jobs' } });
  assert.deepEqual(match('j', 200), { action: { kind: 'move', by: 1 } }, 'j alone moves in the list');
  assert.deepEqual(match('k', 300), { action: { kind: 'move', by: -1 } });
  assert.equal(match('g', 1000), 'pending');
  assert.deepEqual(match('j', 1000 + SEQUENCE_MS + 1), { action: { kind: 'move', by: 1 } }, 'a late second key is a key of its own');
  assert.equal(match('g', 5000), 'pending');
  assert.equal(match('x', 5100), null, 'an unknown pair matches nothing');
  assert.deepEqual(match('o', 5200), null, 'and does not leave a pair pending');
  assert.deepEqual(match('/', 6000), { action: { kind: 'search' } });
  assert.deepEqual(match('?', 6100), { action: { kind: 'help' } });
  assert.equal(match('g', 7000), 'pending');
  assert.equal(match('g', 7100), 'pending', 'g twice: the second g starts a new pair');
  assert.deepEqual(match('o', 7200), { action: { kind: 'go', path: 'overview' } });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settingsAuditRecord } from '../../src/engine/settings-audit.ts';

test('a settings change is recorded with its input, every secret-bearing value hidden and no key dropped', () => {
  const r = settingsAuditRecord(
    'connections.save',
    { name: 'prod', target: { host: 'db', port: 5432, database: 'app', user: 'ops', password: 'hunter2', params: 'sslpassword=x' } },
    'c1',
  );
  assert.equal(r.action, 'connections.save');
  assert.equal(r.connectionId, 'c1');
  assert.deepEqual(r.target, { settings: 'connections.save' });
  assert.deepEqual([r.requested, r.affected, r.skipped], [0, 0, 0], 'it counts no jobs');
  assert.deepEqual(r.detail, {
    input: { name: 'prod', target: { host: 'db', port: 5432, database: 'app', user: 'ops', password: '(hidden)', params: '(hidden)' } },
  });
  const hook = settingsAuditRecord('alerts.rules.set', { rules: [], webhookUrl: 'https://hooks.slack.com/services/T0/B0/SECRET' }, null);
  assert.doesNotMatch(JSON.stringify(hook), /SECRET/);
  // Removing the webhook (null) is said as it is: nothing was hidden.
  const removed = settingsAuditRecord('alerts.rules.set', { rules: [], webhookUrl: null }, null);
  assert.deepEqual(removed.detail, { input: { rules: [], webhookUrl: null } });
});

test('a large input keeps its scalars and the sizes of its lists, not the lists', () => {
  const rules = Array.from({ length: 200 }, (_, i) => ({ type: `type_${i}`, pattern: `pattern number ${i} of the taxonomy` }));
  const r = settingsAuditRecord('history.rules.set', { rules, note: 'small' }, 'c1');
  assert.deepEqual(r.detail, { input: { rules: { count: 200 }, note: 'small' } });
  const small = settingsAuditRecord('history.rules.set', { rules: rules.slice(0, 2) }, 'c1');
  assert.deepEqual(small.detail, { input: { rules: rules.slice(0, 2) } });
});

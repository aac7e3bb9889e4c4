import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settingsAuditRecord } from '../../src/engine/settings-audit.ts';
import { contract } from '../../src/shared/contract/index.ts';

const spec = (name: keyof typeof contract) => {
  const audit = contract[name].audit;
  assert.ok(audit, `${name} is audited`);
  return audit;
};

test('a settings change is recorded with its input, every secret hidden, no key dropped, flags and counts as they are', () => {
  const r = settingsAuditRecord(
    'connections.save',
    spec('connections.save'),
    {
      name: 'prod',
      savePassword: true,
      target: { host: 'db', port: 5432, database: 'app', user: 'ops', password: 'hunter2', params: 'sslmode=require' },
    },
    'c1',
  );
  assert.ok(r);
  assert.equal(r.action, 'connections.save');
  assert.equal(r.connectionId, null, 'a setting of the whole console');
  assert.deepEqual(r.target, { settings: 'connections.save' });
  assert.deepEqual([r.requested, r.affected, r.skipped], [0, 0, 0], 'it counts no jobs');
  assert.deepEqual(r.detail, {
    input: {
      name: 'prod',
      savePassword: true,
      target: { host: 'db', port: 5432, database: 'app', user: 'ops', password: '(hidden)', params: '(hidden)' },
    },
  });
  const hook = settingsAuditRecord(
    'alerts.rules.set',
    spec('alerts.rules.set'),
    { rules: [], webhookUrl: 'https://hooks.example/T0/SECRET' },
    null,
  );
  assert.doesNotMatch(JSON.stringify(hook), /SECRET/);
  // A backfill rule's payload: secrets by their key or by what they look like, ordinary values kept.
  const rule = settingsAuditRecord(
    'backfill.save',
    spec('backfill.save'),
    {
      rule: {
        name: 'x',
        payloadExtra: { maxTokens: 500, api_key: 'k-1', Authorization: 'Bearer LEAK2', note: 'sk-live-LEAK3abc', model: 'gpt' },
      },
    },
    'c1',
  );
  assert.equal(rule?.connectionId, 'c1', 'backfill rules are of a connection');
  assert.deepEqual(rule?.detail, {
    input: {
      rule: { name: 'x', payloadExtra: { maxTokens: 500, api_key: '(hidden)', Authorization: '(hidden)', note: '(hidden)', model: 'gpt' } },
    },
  });
  // Removing the webhook (null) is said as it is: nothing was hidden.
  const removed = settingsAuditRecord('alerts.rules.set', spec('alerts.rules.set'), { rules: [], webhookUrl: null }, null);
  assert.deepEqual(removed?.detail, { input: { rules: [], webhookUrl: null } });
});

test('a change that left its setting as it was is not recorded, unless a secret was given; a picked setting reads before and after', () => {
  const recovery = spec('recovery.configure');
  assert.equal(settingsAuditRecord('recovery.configure', recovery, { autoUnlockGone: false }, 'c1', { before: false, after: false }), null);
  const turnedOn = settingsAuditRecord('recovery.configure', recovery, { autoUnlockGone: true }, 'c1', { before: false, after: true });
  assert.deepEqual(turnedOn?.detail, { input: { autoUnlockGone: true }, before: false, after: true });
  assert.equal(turnedOn?.connectionId, 'c1');
  // A webhook given anew shows the same origin in the settings: a new secret is recorded all the same.
  const same = { rules: [], webhook: { display: 'https://hooks.example/…' } };
  const alerts = spec('alerts.rules.set');
  assert.ok(
    settingsAuditRecord('alerts.rules.set', alerts, { rules: [], webhookUrl: 'https://hooks.example/new' }, null, {
      before: same,
      after: same,
    }),
  );
  assert.equal(settingsAuditRecord('alerts.rules.set', alerts, { rules: [] }, null, { before: same, after: same }), null);
  // Removed by id: named from the list read before.
  const rules = [
    { id: 'r1', name: 'Extras' },
    { id: 'r2', name: 'Other' },
  ];
  const removed = settingsAuditRecord('backfill.remove', spec('backfill.remove'), { id: 'r1' }, 'c1', {
    before: rules,
    after: rules.slice(1),
  });
  assert.deepEqual(removed?.detail, { input: { id: 'r1' }, subject: 'Extras' });
  // Without a read (or when it failed), every change that succeeded is recorded.
  assert.ok(settingsAuditRecord('stuck.setThreshold', spec('stuck.setThreshold'), { task: null, minutes: 5 }, 'c1'));
});

test('a large input keeps its scalars and the sizes of its lists, not the lists', () => {
  const rules = Array.from({ length: 200 }, (_, i) => ({ type: `type_${i}`, pattern: `pattern number ${i} of the taxonomy` }));
  const r = settingsAuditRecord('history.rules.set', spec('history.rules.set'), { rules, note: 'small' }, 'c1');
  assert.deepEqual(r?.detail, { input: { rules: { count: 200 }, note: 'small' } });
  const small = settingsAuditRecord('history.rules.set', spec('history.rules.set'), { rules: rules.slice(0, 2) }, 'c1');
  assert.deepEqual(small?.detail, { input: { rules: rules.slice(0, 2) } });
});

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

test('credentials are hidden wherever they are and whatever their key; a header given as name and value too', () => {
  const leaks = {
    stripe: 'sk_live_51Habcdefghij',
    jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig',
    hook: 'https://hooks.slack.com/services/T000/B000/XXXX',
    db: 'postgres://u@h/db?sslmode=require&password=PW',
    text: 'use ghp_abcdefghijklmnop for it',
    headers: [{ name: 'Authorization', value: 'plain-value-1' }],
  };
  const r = settingsAuditRecord(
    'backfill.save',
    spec('backfill.save'),
    { rule: { name: 'r', payloadExtra: { ...leaks, model: 'gpt-4o' } } },
    'c1',
  );
  const shown = JSON.stringify(r);
  for (const leak of ['51Habcdefghij', 'eyJzdWIi', 'T000/B000', 'PW"', 'ghp_abc', 'plain-value-1']) assert.ok(!shown.includes(leak), leak);
  assert.match(shown, /"model":"gpt-4o"/, 'an ordinary value is kept');
  assert.match(shown, /"name":"Authorization"/, 'the header is still named');
});

test('a change that failed is recorded only where its setting changed all the same, with the failure', () => {
  const runner = spec('runner.configure');
  const failed = new Error('The runner could not start');
  const saved = settingsAuditRecord('runner.configure', runner, { concurrency: 8 }, 'c1', { before: 4, after: 8 }, failed);
  assert.deepEqual(saved?.detail, { input: { concurrency: 8 }, before: 4, after: 8, error: 'The runner could not start' });
  assert.equal(settingsAuditRecord('runner.configure', runner, { concurrency: 8 }, 'c1', { before: 4, after: 4 }, failed), null);
  assert.equal(settingsAuditRecord('runner.configure', runner, { concurrency: 8 }, 'c1', undefined, failed), null, 'not seen to change');
  // A switch of connection: the connections compared whole, shown by their names.
  const switched = settingsAuditRecord('connections.activate', spec('connections.activate'), { id: 'p2' }, 'c1', {
    before: { profileId: 'p1', name: 'Same name', state: 'online' },
    after: { profileId: 'p2', name: 'Same name', state: 'online' },
  });
  assert.deepEqual(switched?.detail, { input: { id: 'p2' }, before: 'Same name', after: 'Same name' });
});

test('a large document is summarised by the sizes of its lists at any depth', () => {
  const rules = Array.from({ length: 300 }, (_, i) => ({ name: `rule ${i} with a long enough name`, task: 'summarize' }));
  const r = settingsAuditRecord('backfill.import', spec('backfill.import'), { document: { version: 1, rules } }, 'c1');
  assert.deepEqual(r?.detail, { input: { document: { version: 1, rules: { count: 300 } } } });
});

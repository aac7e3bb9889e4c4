import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { contract, HTTP_STATUS, isOpName, OP_NAMES } from '../../src/shared/contract/index.ts';
import { settingOf } from '../../src/engine/settings-audit.ts';
import type { AuditEntry } from '../../src/shared/model/audit.ts';

// Settings changes are kept in the audit log beside the actions on jobs (who changed an alert rule, turned automatic
// recovery on, removed a backfill rule): each operation the contract declares audited records its input when it
// succeeds, secrets hidden; a refused one records nothing. On a real Postgres, through the engine's one entry point.

let db: TestPostgres;
let te: TestEngine;
let receiver: WebhookReceiver;

before(async () => {
  db = await startTestPostgres();
  receiver = await startWebhookReceiver();
  te = await startTestEngine({ databaseUrl: db.connectionString, runner: false });
});

after(async () => {
  await te?.close();
  await receiver?.close();
  await db?.close();
});

const newest = async (): Promise<AuditEntry[]> => te.call('audit.list', { limit: 50 });

test('each audited settings change adds one entry with its input, the webhook secret hidden; a refused one adds none', async () => {
  const before = (await newest()).length;
  const secretHook = `http://localhost:${new URL(receiver.url).port}/hook/SECRET-TOKEN-123`;
  await te.call('alerts.rules.set', { rules: [{ id: 'stuck', kind: 'stuck', atLeast: 3 }], webhookUrl: secretHook, quietMinutes: 15 });
  await te.call('recovery.configure', { autoUnlockGone: true });
  await te.call('stuck.setThreshold', { task: null, minutes: 45 });
  await te.call('history.retention.set', { days: 30 });

  // Refused (400): a rule out of bounds and a retention of 0 days by the contract, a threshold for a task no
  // worker runs by its domain. Nothing changes, nothing is recorded.
  for (const [name, input] of [
    ['alerts.rules.set', { rules: [{ kind: 'stuck', atLeast: 0 }] }],
    ['history.retention.set', { days: 0 }],
    ['stuck.setThreshold', { task: 'no_such_task', minutes: 5 }],
  ] as const) {
    const result = await te.engine.call(name, input);
    assert.equal(result.ok, false, name);
    if (!result.ok) assert.equal(HTTP_STATUS[result.error.code], 400, result.error.message);
  }

  const entries = await newest();
  assert.equal(entries.length, before + 4, JSON.stringify(entries.map((e) => e.action)));
  assert.deepEqual(
    entries.slice(0, 4).map((e) => e.action),
    ['history.retention.set', 'stuck.setThreshold', 'recovery.configure', 'alerts.rules.set'],
  );
  const [retention, threshold, recovery, alerts] = entries;
  // A setting the contract reads back is recorded as it was before and after the change.
  assert.deepEqual(retention.detail, { input: { days: 30 }, before: 90, after: 30 });
  assert.deepEqual(threshold.detail, { input: { task: null, minutes: 45 } });
  assert.deepEqual(recovery.detail, { input: { autoUnlockGone: true }, before: false, after: true });
  const alertsInput = (alerts.detail as { input: Record<string, unknown> }).input;
  assert.equal(alertsInput.webhookUrl, '(hidden)');
  assert.equal(alertsInput.quietMinutes, 15);
  // As validated: with the defaults the operation filled in.
  assert.deepEqual(alertsInput.rules, [{ id: 'stuck', enabled: true, kind: 'stuck', atLeast: 3 }]);
  assert.doesNotMatch(JSON.stringify(entries), /SECRET-TOKEN-123/);
  const connection = te.engine.parts.sessions.current()?.profile.id;
  for (const e of entries.slice(0, 4)) assert.equal(e.actor, 'operator');
  // The stuck threshold and automatic recovery are the connection's; the alerts and the retention the whole console's
  // (listed with every connection's entries).
  assert.deepEqual(
    entries.slice(0, 4).map((e) => e.connectionId),
    [null, connection, connection, null],
  );
  // The change itself took effect (the log records, it does not stand in for the change).
  assert.equal((await te.call('history.status')).retentionDays, 30);

  // The same again changes nothing, and is not recorded: the setting reads the same before and after.
  await te.call('recovery.configure', { autoUnlockGone: true });
  await te.call('history.retention.set', { days: 30 });
  await te.call('alerts.rules.set', { rules: [{ id: 'stuck', kind: 'stuck', atLeast: 3 }], quietMinutes: 15 });
  assert.equal((await newest()).length, before + 4);
  // ...but a webhook given anew is: its secret part cannot be compared in what the settings show.
  await te.call('alerts.rules.set', { rules: [{ id: 'stuck', kind: 'stuck', atLeast: 3 }], webhookUrl: secretHook, quietMinutes: 15 });
  assert.equal((await newest())[0].action, 'alerts.rules.set');
  assert.equal((await newest()).length, before + 5);
});

test('the audited operations are settings of Jobdeck alone (local), and each read they name shows their setting', async () => {
  const audited = OP_NAMES.filter((name) => contract[name].audit);
  assert.ok(audited.length >= 10, audited.join(', '));
  for (const name of audited) {
    assert.equal(contract[name].access, 'local', `${name}: its domain audits a change of the user's database`);
    // A read that names no operation, or a pick that finds nothing, would compare undefined with undefined: every
    // change "unchanged", none recorded.
    const spec = contract[name].audit!;
    if (!spec.read) continue;
    assert.ok(isOpName(spec.read.op), `${name} reads ${spec.read.op}`);
    const answer = await te.engine.call(spec.read.op, {});
    assert.ok(answer.ok, `${name}'s read ${spec.read.op}: ${JSON.stringify(answer)}`);
    assert.notEqual(settingOf(spec, answer.data), undefined, `${name}: ${spec.read.op} picks ${spec.read.pick}`);
  }
});

test('what is removed by id is named; a switch of connection says from which to which, and is listed with every connection', async () => {
  const first = await te.call('app.status');
  const saved = await te.call('connections.save', {
    name: 'Same database by URL',
    target: { url: db.connectionString },
    savePassword: false,
  });
  await te.call('connections.activate', { id: saved.id });
  const [switched] = await newest();
  assert.equal(switched.action, 'connections.activate');
  assert.deepEqual(
    [switched.connectionId, (switched.detail as { before: unknown }).before, (switched.detail as { after: unknown }).after],
    [null, first.connection.name, 'Same database by URL'],
  );
  // Back, then the profile removed: its entry names it.
  await te.call('connections.activate', { id: first.connection.profileId! });
  await te.call('connections.remove', { id: saved.id });
  const [removed] = await newest();
  assert.equal(removed.action, 'connections.remove');
  assert.equal((removed.detail as { subject?: string }).subject, 'Same database by URL');
});

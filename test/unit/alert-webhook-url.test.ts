import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockedAddressReason, checkWebhookUrl, redactWebhook, type Resolve } from '../../src/engine/alerts/webhook-url.ts';

/** A resolver answering from a table, as DNS would (no network in unit tests). */
const table =
  (answers: Record<string, string[]>): Resolve =>
  (host) =>
    answers[host]
      ? Promise.resolve(answers[host].map((address) => ({ address })))
      : Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));

test('link-local, metadata, multicast and unspecified addresses are blocked; loopback and private networks are not', () => {
  for (const address of [
    '169.254.169.254',
    '169.254.0.1',
    'fe80::1',
    'febf::1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    'fd00:ec2::254',
    '100.100.100.200',
    '0.0.0.0',
    '224.0.0.1',
    'ff02::1',
    '::',
  ])
    assert.ok(blockedAddressReason(address), `${address} should be blocked`);
  for (const address of [
    '127.0.0.1',
    '::1',
    '10.0.0.5',
    '192.168.1.10',
    '172.16.0.1',
    'fd12::1',
    '8.8.8.8',
    '2001:db8::1',
    '::ffff:127.0.0.1',
  ])
    assert.equal(blockedAddressReason(address), null, `${address} should be allowed`);
});

test('a host name is judged by every address it resolves to', async () => {
  const resolve = table({
    'hooks.example': ['203.0.113.10'],
    'mixed.example': ['203.0.113.10', '169.254.169.254'],
    'six.example': ['2001:db8::1', 'fe80::1'],
    'local.example': ['127.0.0.1'],
  });
  assert.equal((await checkWebhookUrl('https://hooks.example/services/x', resolve)).host, 'hooks.example');
  assert.equal((await checkWebhookUrl('http://local.example:9000/x', resolve)).port, '9000');
  await assert.rejects(
    checkWebhookUrl('https://mixed.example/x', resolve),
    /mixed\.example resolves to 169\.254\.169\.254 is a link-local/,
  );
  await assert.rejects(checkWebhookUrl('https://six.example/x', resolve), /fe80::1 is a link-local/);
  await assert.rejects(checkWebhookUrl('https://nowhere.example/x', resolve), /does not resolve \(ENOTFOUND\)/);
  await assert.rejects(checkWebhookUrl('https://metadata.google.internal./x', resolve), /cloud metadata service/);
  await assert.rejects(checkWebhookUrl('gopher://hooks.example/x', resolve), /http or https/);
  await assert.rejects(checkWebhookUrl('javascript:alert(1)', resolve), /http or https/);
});

test('what is shown and kept of a webhook URL leaves out its secret path and query', () => {
  assert.equal(redactWebhook(new URL('https://hooks.slack.com/services/T0/B0/XYZ?token=1')), 'https://hooks.slack.com/…');
  assert.equal(redactWebhook(new URL('http://127.0.0.1:8080/')), 'http://127.0.0.1:8080');
});

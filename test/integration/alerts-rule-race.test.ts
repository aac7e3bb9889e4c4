import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Db } from '../../src/engine/store/db.ts';
import { createEventBus } from '../../src/engine/events.ts';
import { createAlerts, type AlertsDomain } from '../../src/engine/alerts/domain.ts';
import type { AlertSources } from '../../src/engine/alerts/sources.ts';
import { contract } from '../../src/shared/contract/index.ts';
import type { StuckReport } from '../../src/shared/model/stuck.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

// A rule removed while an evaluation awaits its figures (issue 14.5): the finding that comes back afterwards opens no
// episode and is posted nowhere. Judging a rule awaits Postgres for seconds on a loaded database; the operator may
// remove the rule meanwhile. The alerts domain runs on a real SQLite file and posts to a real local receiver; its
// figures come through a gate the test opens (a lock held on graphile-worker's table made the same point, but
// whether the evaluation's read waited on it depended on the monitor's scheduling, and under CI's load it sometimes
// did not).

let dir: string;
let db: Db;
let receiver: WebhookReceiver;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-alert-race-'));
  db = openStore(path.join(dir, 'jobdeck.sqlite'));
  receiver = await startWebhookReceiver();
});

after(async () => {
  await receiver?.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Two jobs held by a worker that is gone: what the Stuck report says while the evaluation waits for it. */
const twoStuck = (): StuckReport => ({
  at: new Date().toISOString(),
  thresholds: { defaultMinutes: 15, byTask: {} },
  pools: [],
  stuckJobs: [],
  stuckTotal: 2,
  blockedQueues: [],
  due: [],
  failed: [],
  lastRecovery: null,
});

/** The alerts domain of one connection whose Stuck report waits for the test to release it. */
function gatedAlerts(): { alerts: AlertsDomain; asked: Promise<void>; release: () => void } {
  let asked!: () => void;
  const askedP = new Promise<void>((resolve) => (asked = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const unused = () => Promise.reject(new Error('not read by a stuck rule'));
  const sources: AlertSources = {
    active: () => ({ id: 'c1', label: 'test' }),
    snapshot: () => null,
    stuck: async () => {
      asked();
      await released;
      return twoStuck();
    },
    due: unused,
    workers: unused,
    history: unused,
    errorTypes: () => Promise.resolve([]),
    usage: unused,
  };
  const alerts = createAlerts({
    db,
    log: () => {},
    events: createEventBus(() => {}),
    mode: 'web',
    sources,
    evaluateEveryMs: 3_600_000,
    retry: { timeoutMs: 1_500, backoffMs: [20, 40] },
  });
  return { alerts, asked: askedP, release };
}

const setRules = (alerts: AlertsDomain, input: unknown) =>
  alerts.handlers['alerts.rules.set'](contract['alerts.rules.set'].input.parse(input));

/** A stuck rule posting to the receiver, and an evaluation of it waiting for its figures; `finish` lets it go on. */
async function evaluationWaiting(ruleId: string) {
  receiver.reset();
  const { alerts, asked, release } = gatedAlerts();
  await setRules(alerts, { rules: [{ id: ruleId, kind: 'stuck', atLeast: 1 }], webhookUrl: receiver.url });
  const evaluation = alerts.evaluateNow();
  await asked;
  const finish = async () => {
    release();
    await evaluation;
    await alerts.settled();
  };
  return { alerts, finish };
}

test('a stuck rule kept while its evaluation waits fires once it is back (the gate holds what the next test relies on)', async () => {
  const { alerts, finish } = await evaluationWaiting('kept');
  await finish();
  assert.equal(receiver.received.length, 1);
  assert.equal(receiver.received[0].jobdeck.alert.title, '2 stuck jobs');
  const { alerts: list } = await alerts.handlers['alerts.list'](contract['alerts.list'].input.parse({ state: 'all' }));
  assert.ok(list.some((a) => a.ruleId === 'kept' && a.state === 'firing'));
  await setRules(alerts, { rules: [], webhookUrl: null });
  await alerts.hooks!.stop!();
});

test('a rule removed while an evaluation is judging it opens no episode and posts nothing once it is back', async () => {
  const { alerts, finish } = await evaluationWaiting('race');
  // Meanwhile the operator removes the rule; the webhook stays, so a post would reach it.
  await setRules(alerts, { rules: [] });
  await finish();
  assert.deepEqual(receiver.received, [], 'nothing posted for a rule that was gone when its finding came back');
  const { alerts: list, open } = await alerts.handlers['alerts.list'](contract['alerts.list'].input.parse({ state: 'all' }));
  assert.equal(open, 0);
  assert.ok(!list.some((a) => a.ruleId === 'race'), JSON.stringify(list));
  await alerts.hooks!.stop!();
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEntry, sentenceText } from '../../src/renderer/src/views/audit/audit-format.ts';
import type { AuditEntry } from '../../src/shared/model/audit.ts';

const entry = (e: Partial<AuditEntry> & Pick<AuditEntry, 'action' | 'target'>): AuditEntry => ({
  id: 1,
  at: '2026-12-02T04:00:00.000Z',
  connectionId: 'c',
  requested: 12,
  affected: 12,
  skipped: 0,
  detail: null,
  actor: 'operator',
  ...e,
});

/** A settings change's entry, as the engine records it (settings-audit.ts). */
const settingsEntry = (action: string, detail: Record<string, unknown>): AuditEntry =>
  entry({ action, target: { settings: action }, requested: 0, affected: 0, detail });

test('a bulk action on a filter reads as a sentence whose target links to that filter', () => {
  const s = describeEntry(
    entry({
      action: 'jobs.retry',
      target: { filter: { tasks: ['generate_insight'], errorType: 'rate_limit' } },
      affected: 12,
      skipped: 2,
      detail: { params: {}, skippedByReason: { locked: 2 } },
    }),
  );
  assert.equal(sentenceText(s), 'retried 12 jobs of generate_insight where error type is rate limit, 2 skipped (locked: 2)');
  assert.equal(s.link, '#/jobs?task=generate_insight&errorType=rate_limit');
});

test('one id links to the job; several ids list a few, each a link', () => {
  const one = describeEntry(entry({ action: 'jobs.cancel', target: { ids: ['42'], count: 1 }, requested: 1, affected: 1 }));
  assert.equal(sentenceText(one), 'cancelled job #42');
  assert.equal(one.link, '#/jobs/42');
  const many = describeEntry(entry({ action: 'jobs.fail', target: { ids: ['1', '2', '3', '4', '5', '6', '7'], count: 7 }, affected: 7 }));
  assert.equal(sentenceText(many), 'marked permanently failed 7 jobs chosen by id');
  assert.deepEqual(many.jobIds, ['1', '2', '3', '4', '5']);
});

test('a cancel of a job seen running says so, and that it changed nothing when the job had failed for good', () => {
  const s = describeEntry(
    entry({
      action: 'jobs.cancel',
      target: { ids: ['42'], count: 1 },
      requested: 1,
      affected: 0,
      skipped: 1,
      detail: { params: { keepFailed: true }, skippedByReason: [{ reason: 'it failed for good first', count: 1, sampleIds: ['42'] }] },
    }),
  );
  assert.equal(sentenceText(s), 'asked to cancel job #42, unless failed for good: nothing changed, 1 skipped (1 it failed for good first)');
});

test('Stuck groups, queued jobs, backfill runs and pauses each name what they touched and link to it', () => {
  const failed = describeEntry(
    entry({ action: 'stuck.retry', target: { kind: 'failed', task: 'summarise', errorType: 'timeout' }, affected: 3 }),
  );
  assert.equal(sentenceText(failed), 'retried 3 jobs of summarise where state is permanently failed and error type is timeout');
  assert.equal(failed.link, '#/jobs?state=failed&task=summarise&errorType=timeout');

  const added = describeEntry(entry({ action: 'jobs.add', target: { task: 'enrich', jobId: '77', jobKey: 'enrich:9' }, affected: 1 }));
  assert.equal(sentenceText(added), 'queued job #77 of enrich with key enrich:9');
  assert.equal(added.link, '#/jobs/77');

  const backfill = describeEntry(
    entry({
      action: 'backfill.run',
      target: { rule: 'r-1', name: 'Events without insight', task: 'generate_insight' },
      requested: 5,
      affected: 4,
      skipped: 1,
    }),
  );
  assert.equal(
    sentenceText(backfill),
    'ran backfill "Events without insight": queued 4 jobs of generate_insight for 5 items lacking output, 1 skipped',
  );
  assert.equal(backfill.link, '#/backfill/r-1');

  const paused = describeEntry(entry({ action: 'control.pause', target: { queue: 'emails' }, affected: 40 }));
  assert.equal(sentenceText(paused), 'paused queue emails: held back 40 jobs');
  assert.equal(paused.link, '#/jobs?queue=emails');
});

test('an action the log does not know still reads in words, without JSON', () => {
  const s = describeEntry(entry({ action: 'future.thing', target: { something: { nested: true } }, affected: 2 }));
  assert.equal(sentenceText(s), 'future.thing 2 jobs');
  assert.equal(s.link, null);
});

test('an action that changed nothing says so, with what it left and why, never "cancelled" or "unlocked"', () => {
  const cancel = describeEntry(
    entry({
      action: 'jobs.cancel',
      target: { ids: ['1110'], count: 1 },
      requested: 1,
      affected: 0,
      skipped: 1,
      // As the engine records it: the report's list of reasons.
      detail: { skippedByReason: [{ reason: 'not found: it already completed or was removed', count: 1, sampleIds: ['1110'] }] },
    }),
  );
  assert.equal(
    sentenceText(cancel),
    'asked to cancel job #1110: nothing changed, 1 skipped (1 not found: it already completed or was removed)',
  );
  assert.equal(cancel.link, '#/jobs/1110');

  const pool = describeEntry(
    entry({ action: 'stuck.retry', target: { kind: 'pool', poolId: 'pool-9' }, requested: 2, affected: 0, skipped: 2 }),
  );
  assert.equal(sentenceText(pool), 'asked to retry the jobs held by pool pool-9: nothing changed, 2 skipped');

  const refused = describeEntry(
    entry({
      action: 'stuck.unlock',
      target: { poolIds: ['pool-live'], force: false },
      requested: 3,
      affected: 0,
      skipped: 3,
      detail: { refused: [{ poolId: 'pool-live', reason: "this console's runner: stop it first" }], queuesUnlocked: 0 },
    }),
  );
  assert.equal(
    sentenceText(refused),
    "asked to unlock pool pool-live: nothing changed; pool pool-live left alone (this console's runner: stop it first)",
  );

  const unlocked = describeEntry(
    entry({
      action: 'stuck.unlock',
      target: { poolIds: ['pool-gone'] },
      requested: 2,
      affected: 2,
      detail: { queuesUnlocked: 1, refused: [] },
    }),
  );
  assert.equal(sentenceText(unlocked), 'unlocked 2 jobs and 1 queue held by pool pool-gone');
});

test('a settings change reads as what the contract says it changes, with what it set, and links to where it is set', () => {
  const alerts = describeEntry(
    settingsEntry('alerts.rules.set', {
      input: {
        rules: [{ kind: 'stuck' }, { kind: 'worker_gone' }],
        webhookUrl: '(hidden)',
        desktop: true,
        quietMinutes: 10,
        dailySummary: { enabled: false, hourUtc: 8 },
      },
    }),
  );
  assert.equal(
    sentenceText(alerts),
    'changed the alert rules and channels: 2 rules, webhook url (hidden), desktop on, quiet period (minutes) 10',
  );
  assert.equal(alerts.link, '#/alerts');
  const recovery = describeEntry(settingsEntry('recovery.configure', { input: { autoUnlockGone: false } }));
  assert.equal(sentenceText(recovery), 'changed automatic recovery: off');
  assert.equal(recovery.link, '#/stuck');
  // Recorded with the setting before and after (the contract's read picks it).
  const concurrency = describeEntry(settingsEntry('runner.configure', { input: { concurrency: 8 }, before: 4, after: 8 }));
  assert.equal(sentenceText(concurrency), "changed the hosted runner's concurrency: 4 → 8");
  // Set through the API alone: no view to link to.
  const retention = describeEntry(settingsEntry('history.retention.set', { input: { days: 30 }, before: 90, after: 30 }));
  assert.equal(sentenceText(retention), "changed the failure history's retention (days): 90 → 30");
  assert.equal(retention.link, null);
  const removed = describeEntry(settingsEntry('backfill.remove', { input: { id: 3 } }));
  assert.equal(sentenceText(removed), 'removed a backfill rule: id 3');
  // Named when the rule was found in the list read before (settings-audit.ts).
  const named = describeEntry(settingsEntry('backfill.remove', { input: { id: 3 }, subject: 'Extras' }));
  assert.equal(sentenceText(named), 'removed a backfill rule "Extras"');
  const switched = describeEntry(
    settingsEntry('connections.activate', { input: { id: 'p2' }, before: 'Embedded (local demo)', after: 'Prod replica' }),
  );
  assert.equal(sentenceText(switched), 'switched to another connection: Embedded (local demo) → Prod replica');
  const saved = describeEntry(
    settingsEntry('backfill.save', {
      input: { rule: { name: 'Summaries lacking output', task: 'summarize', schedule: { every: 'hour' } } },
    }),
  );
  assert.equal(sentenceText(saved), 'saved a backfill rule: rule "Summaries lacking output"');
  // A large input was recorded with its lists' sizes (settings-audit.ts).
  const taxonomy = describeEntry(settingsEntry('history.rules.set', { input: { rules: { count: 200 } } }));
  assert.equal(sentenceText(taxonomy), 'changed the error taxonomy: 200 rules');
});

test('a circuit breaker set says on or off, and when it trips, linked to the Failures view where it is set', () => {
  const on = describeEntry(
    entry({
      action: 'control.breaker.set',
      target: { task: 'generate_insight' },
      detail: { enabled: true, thresholdPct: 40, windowMinutes: 5, minAttempts: 20, cooldownSeconds: 300 },
    }),
  );
  assert.equal(
    sentenceText(on),
    'turned on the circuit breaker of task generate_insight (trips at 40 % failed of at least 20 attempts over 5 min)',
  );
  assert.equal(on.link, '#/failures');
  const off = describeEntry(entry({ action: 'control.breaker.set', target: { task: 'generate_insight' }, detail: { enabled: false } }));
  assert.equal(sentenceText(off), 'turned off the circuit breaker of task generate_insight');
});

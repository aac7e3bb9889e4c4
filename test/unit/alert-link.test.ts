import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertLink } from '../../src/renderer/src/views/alerts/alerts-format.ts';
import type { AlertRule } from '../../src/shared/model/alerts.ts';

const rule = (r: object) => ({ id: 'r', enabled: true, ...r }) as AlertRule;

test('a firing alert links to where its condition is acted on, scoped as its rule is', () => {
  assert.deepEqual(alertLink(rule({ kind: 'backlog', task: 'summarize', above: 5, forMinutes: 0 })), {
    href: '#/jobs?state=ready%2Cretrying&task=summarize',
    label: 'Open the waiting jobs',
  });
  assert.equal(
    alertLink(rule({ kind: 'backlog', queue: 'emails', above: 5, forMinutes: 0 })).href,
    '#/jobs?state=ready%2Cretrying&queue=emails',
  );
  assert.equal(alertLink(rule({ kind: 'oldest_due', olderThanMinutes: 30 })).href, '#/jobs?state=ready');
  assert.equal(
    alertLink(rule({ kind: 'failure_rate', errorType: 'rate_limit', task: 'x', abovePercent: 20, windowMinutes: 15, minAttempts: 10 }))
      .href,
    '#/jobs?errorType=rate_limit&task=x',
  );
  assert.equal(alertLink(rule({ kind: 'failure_rate', abovePercent: 20, windowMinutes: 15, minAttempts: 10 })).href, '#/failures');
  assert.equal(alertLink(rule({ kind: 'stuck', atLeast: 1 })).href, '#/stuck');
  assert.equal(alertLink(rule({ kind: 'worker_gone' })).href, '#/workers');
  assert.equal(alertLink(rule({ kind: 'daily_spend', budgetUsd: 50 })).href, '#/usage');
});

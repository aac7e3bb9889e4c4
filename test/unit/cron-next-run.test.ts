import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextRun, parseLine, scheduleOf } from '../../src/engine/cron/next-run.ts';
import { crontabLine } from '../../src/engine/backfill/schedule.ts';

const at = (iso: string) => new Date(iso);

test("next runs follow graphile-worker's own parser and matcher, in UTC", () => {
  const every15 = parseLine('*/15 * * * * report ?id=quarterly')!;
  assert.equal(every15.identifier, 'quarterly');
  assert.equal(every15.task, 'report');
  assert.deepEqual(nextRun(every15, at('2026-03-01T10:07:30Z')), at('2026-03-01T10:15:00Z'));
  // Exactly on a tick: the next one, not this one (graphile-worker queues the current one now).
  assert.deepEqual(nextRun(every15, at('2026-03-01T10:15:00Z')), at('2026-03-01T10:30:00Z'));
  const nightly = parseLine('30 2 * * 1 weekly_digest')!;
  assert.equal(nightly.identifier, 'weekly_digest', 'without ?id= the task names the entry');
  // 2026-03-01 is a Sunday: the next Monday 02:30 UTC.
  assert.deepEqual(nextRun(nightly, at('2026-03-01T10:00:00Z')), at('2026-03-02T02:30:00Z'));
  // A leap day is years away, and still found.
  assert.deepEqual(nextRun(parseLine('0 0 29 2 * leap')!, at('2026-03-01T00:00:00Z')), at('2028-02-29T00:00:00Z'));
});

test("backfill schedules' lines parse, and an invalid line is no entry", () => {
  const line = crontabLine({ id: 'r1', scheduleMinutes: 120 })!;
  const item = parseLine(line)!;
  assert.equal(item.identifier, 'jobdeck_backfill_r1');
  assert.equal(scheduleOf(line), '0 */2 * * *');
  assert.deepEqual(nextRun(item, at('2026-03-01T03:59:00Z')), at('2026-03-01T04:00:00Z'));
  assert.equal(parseLine('61 * * * * nope'), null);
  assert.equal(parseLine('not a crontab line'), null);
});

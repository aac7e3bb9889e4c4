import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aliveError, gateUnlock } from '../../src/engine/workers/unlock-gate.ts';
import type { PoolVerdict } from '../../src/engine/workers/pool-liveness.ts';
import { companionLiveness } from '../../src/engine/workers/liveness.ts';

const verdict = (poolId: string, v: Partial<PoolVerdict>): PoolVerdict => ({
  poolId,
  liveness: 'unknown',
  knownBy: 'locks',
  reason: 'r',
  inferred: null,
  ours: false,
  current: false,
  host: null,
  pid: null,
  lastHeartbeatAt: null,
  stoppedAt: null,
  ...v,
});

const pools = new Map(
  [
    verdict('alive', { liveness: 'alive', knownBy: 'companion', host: 'w1', pid: 42, lastHeartbeatAt: '2026-01-01T00:00:00.000Z' }),
    verdict('gone', { liveness: 'gone', knownBy: 'companion' }),
    verdict('stopped', { liveness: 'stopped', knownBy: 'companion' }),
    verdict('current', { liveness: 'alive', knownBy: 'runner', ours: true, current: true }),
    verdict('own-dead', { liveness: 'gone', knownBy: 'runner', ours: true }),
    verdict('judged-alive', { inferred: 'probably-alive' }),
    verdict('judged-gone', { inferred: 'probably-gone' }),
  ].map((v) => [v.poolId, v]),
);

test('the unlock rule: known alive refused whatever force says; gone and stopped unlocked; unknown needs force when its lock is recent', () => {
  for (const force of [false, true]) {
    const gate = gateUnlock(pools, [...pools.keys()], force);
    assert.deepEqual(
      gate.alive.map((v) => v.poolId),
      ['alive'],
      `force ${force}`,
    );
    assert.deepEqual(gate.allowed, ['gone', 'stopped', 'own-dead', ...(force ? ['judged-alive'] : []), 'judged-gone'], `force ${force}`);
    assert.deepEqual(
      gate.refused.map((r) => r.poolId),
      ['current', ...(force ? [] : ['judged-alive'])],
      `force ${force}`,
    );
  }
});

test('the refusal names the pool, its host, pid and last heartbeat, as a 409', () => {
  const error = aliveError([pools.get('alive')!]);
  assert.equal(error.code, 'conflict');
  assert.match(error.message, /pool alive \(host w1, pid 42, last heartbeat 2026-01-01T00:00:00.000Z\) is alive/);
});

test('a heartbeat more than three intervals late means gone; a clean stop is said; a pid is not looked at', () => {
  const row = { stopped_at: null, heartbeat_interval_ms: 5000 };
  assert.equal(companionLiveness({ ...row, silent_ms: 14_000 }).liveness, 'alive');
  assert.equal(companionLiveness({ ...row, silent_ms: 15_001 }).liveness, 'gone');
  assert.equal(companionLiveness({ ...row, stopped_at: new Date(), silent_ms: 0 }).liveness, 'stopped');
});

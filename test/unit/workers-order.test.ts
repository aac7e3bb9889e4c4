import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byAttention } from '../../src/engine/workers/order.ts';
import type { WorkerInfo } from '../../src/shared/model/workers.ts';

const worker = (poolId: string, source: WorkerInfo['source'], liveness: WorkerInfo['liveness'], running = 0): WorkerInfo => ({
  poolId,
  source,
  liveness,
  reason: '',
  host: null,
  pid: null,
  graphileWorkerVersion: null,
  concurrency: null,
  tasks: [],
  startedAt: null,
  lastHeartbeatAt: null,
  stoppedAt: null,
  running: Array.from({ length: running }, (_, i) => ({ jobId: String(i), task: 't', startedAt: null }) as never),
});

test('workers are listed as an operator reads them: this runner, the live, the gone holding jobs, the watched, then the ended', () => {
  // As the companion's rows come (the most recent heartbeat first): pools that just stopped before a live one.
  const listed = [
    worker('stopped-1', 'companion', 'stopped'),
    worker('stopped-2', 'companion', 'stopped'),
    worker('live-b', 'companion', 'alive', 2),
    worker('gone-empty', 'companion', 'gone'),
    worker('watched', 'watched', 'unknown', 1),
    worker('gone-held', 'companion', 'gone', 1),
    worker('stopped-held', 'companion', 'stopped', 1),
    worker('live-c', 'companion', 'alive'),
    worker('runner', 'hosted', 'alive', 1),
  ];
  assert.deepEqual(
    listed.sort(byAttention).map((w) => w.poolId),
    ['runner', 'live-b', 'live-c', 'gone-held', 'stopped-held', 'watched', 'gone-empty', 'stopped-1', 'stopped-2'],
  );
});
